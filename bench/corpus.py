"""The 1946 People's Daily corpus (../shared/corpus/rmrb-1946) as newsarchive content.

Used by the tests (a real multi-issue archive) and by the benchmarks (archives of any size,
made by repeating the corpus over later dates).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from newsarchive.urls import slugify

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "rmrb-1946"
SECTIONS = {1: "要闻", 2: "解放区", 3: "国际", 4: "副刊"}
TOPIC_WORDS = ("国民党", "解放区", "停战", "美国", "土地", "生产", "和平", "民主", "内战", "救济",
               "教育", "工人", "妇女", "农民", "东北", "新华社")


@dataclass(frozen=True)
class CorpusArticle:
    file: str
    date: datetime.date
    page: int
    author: str
    column: str
    headline: tuple[str, ...]  # main headline, then deck lines
    paragraphs: tuple[str, ...]  # '### ' marks a subhead


def read_corpus(folder: Path = CORPUS) -> list[CorpusArticle]:
    """Every article of the corpus, in file-name order."""
    articles = []
    for path in sorted(folder.glob("1946-*.md")):
        lines = path.read_text(encoding="utf-8").split("\n")
        headline = tuple(p.strip() for p in lines[0].removeprefix("### ").split("  ") if p.strip())
        page = int(re.match(r"第(\d+)版", lines[3]).group(1))
        body = [line for line in lines[6:] if line.strip()]
        # The body starts by repeating the headline, one deck part per line.
        repeated = "".join(headline)
        skip, seen = 0, ""
        while skip < len(body) and seen != repeated and repeated.startswith(seen + body[skip].strip()):
            seen += body[skip].strip()
            skip += 1
        paragraphs = tuple(("### " + line.strip()) if is_subhead(line) else line.strip() for line in body[skip:])
        articles.append(CorpusArticle(path.name, datetime.date.fromisoformat(lines[2].strip()), page,
                                      lines[1].strip(), lines[4].removeprefix("专栏：").strip(), headline, paragraphs))
    return articles


def is_subhead(line: str) -> bool:
    """Section subheads are indented by exactly 12 spaces (signatures and dates by more)."""
    return line.startswith(" " * 12) and line[12] != " " and len(line.strip()) < 30


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def article_file(a: CorpusArticle, date: datetime.date, order: int, slug: str) -> str:
    """The article as a newsarchive Markdown file."""
    text = "".join(a.paragraphs[:3])
    topics = [w for w in TOPIC_WORDS if w in "".join(a.headline) + text][:3]
    lines = ["---", f"title: {quote(a.headline[0])}"]
    if len(a.headline) > 1:
        lines.append(f"subtitle: {quote(' '.join(a.headline[1:]))}")
    lines += [f"date: {date.isoformat()}", f"section: {quote(a.column or SECTIONS.get(a.page, '其他'))}",
              f"page: {a.page}", f"order: {order}"]
    if a.author:
        lines.append(f"reporter: {quote(a.author)}")
    if topics:
        lines.append("topics: [" + ", ".join(quote(t) for t in topics) + "]")
    lines += [f"slug: {slug}", "---", ""]
    return "\n".join(lines) + "\n" + "\n\n".join(a.paragraphs) + "\n"


def write_archive(content: Path, count: int | None = None, corpus: list[CorpusArticle] | None = None) -> int:
    """Write `count` articles (default: the corpus once) under content/YYYY/MM/DD/.

    Past the corpus's own 159 articles, its six issues are repeated on later days, so a large
    archive has realistic issues of 18–38 articles each.
    """
    corpus = corpus or read_corpus()
    by_date: dict[datetime.date, list[CorpusArticle]] = {}
    for a in corpus:
        by_date.setdefault(a.date, []).append(a)
    issues = [sorted(v, key=lambda a: (a.page, a.file)) for _, v in sorted(by_date.items())]
    count = len(corpus) if count is None else count
    written, day = 0, corpus[0].date
    cycle = 0
    while written < count:
        for issue in issues:
            if written >= count:
                break
            date = day
            day += datetime.timedelta(days=1)
            folder = content / f"{date:%Y/%m/%d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "issue.yaml").write_text(
                f'paper: "人民日报"\nnumber: "{(date - corpus[0].date).days + 1}"\n'
                'pages:\n  1: "要闻"\n  2: "解放区"\n  3: "国际"\n  4: "副刊"\n', encoding="utf-8")
            used: set[str] = set()
            for order, a in enumerate(issue[: count - written], 1):
                slug = slugify(a.headline[0], 40)
                while slug in used:
                    slug += "-2"
                used.add(slug)
                (folder / f"{order:03d}-{slug}.md").write_text(article_file(a, date, order, slug), encoding="utf-8")
                written += 1
        cycle += 1
    return written
