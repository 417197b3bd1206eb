"""`build.py import`: a raw page → article files under content/YYYY/MM/DD/, and a report."""

from __future__ import annotations

import datetime
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .articles import display_path, split_front_matter
from .errors import BuildError, Problem
from .importer import Draft, PageImport, check_nothing_lost, parse_page
from .rawpage import decode
from .urls import slugify


@dataclass(frozen=True)
class ImportOptions:
    raw: Path
    date: datetime.date
    content: Path
    page: int = 1
    section: str = "要闻"
    paper: str = ""
    report: Path | None = None
    dry_run: bool = False
    force: bool = False


def quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def markdown_line(text: str) -> str:
    """A paragraph as Markdown, escaping a start that Markdown would read as a list or quote."""
    text = re.sub(r"^(\d+)([.)])(\s)", r"\1\\\2\3", text)
    return "\\" + text if re.match(r"^[-*+>]\s", text) else text


def article_text(draft: Draft, options: ImportOptions, order: int, slug: str) -> str:
    """The article file: front matter of the content model, then the Markdown body."""
    fm = []
    if draft.kicker:
        fm.append(f"kicker: {quoted(draft.kicker[0])}")
    fm.append(f"title: {quoted(draft.title[0])}")
    if draft.subtitle:
        fm.append(f"subtitle: {quoted(draft.subtitle[0])}")
    fm += [f"date: {options.date.isoformat()}", f"section: {quoted(options.section)}",
           f"page: {options.page}", f"order: {order}"]
    if len(draft.reporters) == 1:
        fm.append(f"reporter: {quoted(draft.reporters[0])}")
    elif draft.reporters:
        fm.append("reporter: [" + ", ".join(quoted(r) for r in draft.reporters) + "]")
    fm += ["topics: []", f"slug: {slug}"]
    body = "\n\n".join(("### " + p.text) if p.kind == "h3" else markdown_line(p.text) for p in draft.paras)
    return "---\n" + "\n".join(fm) + "\n---\n\n" + body + "\n"


def existing_slugs(folder: Path, skip: set[Path]) -> set[str]:
    slugs = set()
    for path in folder.glob("*.md") if folder.is_dir() else []:
        if path in skip:
            continue
        try:
            slugs.add(str(split_front_matter(path.read_text(encoding="utf-8"), path.name).data.get("slug") or ""))
        except (BuildError, UnicodeDecodeError):
            pass
    return slugs


def plan(result: PageImport, options: ImportOptions) -> list[tuple[Path, str, Draft]]:
    """(path, text, draft) of each file to write; names are stable so a re-import gives the same files."""
    folder = options.content / f"{options.date:%Y/%m/%d}"
    names, files = [], []
    for order, draft in enumerate(result.articles, 1):
        base = slugify(draft.title[0], 40)
        names.append((order, base))
    ours = {folder / f"{options.page:02d}-{order:02d}-{base}.md" for order, base in names}
    taken = existing_slugs(folder, ours)
    for (order, base), draft in zip(names, result.articles):
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        path = folder / f"{options.page:02d}-{order:02d}-{base}.md"
        files.append((path, article_text(draft, options, order, slug), draft))
    return files


def report_data(options: ImportOptions, encoding: str, result: PageImport, files) -> dict:
    return {
        "source": str(options.raw), "encoding": encoding, "date": options.date.isoformat(), "page": options.page,
        "articles": [{
            "file": display_path(path), "kicker": d.kicker[0] if d.kicker else "", "title": d.title[0],
            "subtitle": d.subtitle[0] if d.subtitle else "", "reporter": d.reporters,
            "lines": sorted(set(d.headline_lines + [span for p in d.paras for span in p.lines])),
            "decisions": d.decisions, "warnings": d.warnings,
        } for path, _, d in files],
        "removed": [{**f, "action": "dropped page furniture", "confidence": 0.9} for f in result.furniture],
        "warnings": result.warnings,
    }


def run_import(options: ImportOptions) -> tuple[list[Path], dict]:
    """Import a raw page; write nothing unless everything is in order. Returns (files, report)."""
    shown = display_path(options.raw)
    try:
        data = options.raw.read_bytes()
    except OSError as exc:
        raise BuildError([Problem(shown, f"cannot read the page: {exc.strerror}")])
    text, encoding = decode(data, shown)
    result = parse_page(text, shown)
    check_nothing_lost(text, result, shown)
    files = plan(result, options)
    clashes = [p for p, content, _ in files if p.exists() and p.read_text(encoding="utf-8") != content]
    if clashes and not options.force:
        raise BuildError([Problem(display_path(p), "exists already: not overwritten (use --force to replace it)")
                          for p in clashes])
    report = report_data(options, encoding, result, files)
    if not options.dry_run:
        for path, content, _ in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".md")
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                out.write(content)
            os.replace(tmp, path)
        if options.report:
            options.report.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [p for p, _, _ in files], report


def summary(report: dict, dry_run: bool) -> str:
    """The human summary printed after an import."""
    lines = [f"{'将导入' if dry_run else '已导入'} {len(report['articles'])} 篇文章（{report['encoding']}）："]
    for a in report["articles"]:
        who = "、".join(a["reporter"]) or "未署名"
        lines.append(f"  {a['file']}  {' '.join(x for x in (a['kicker'], a['title'], a['subtitle']) if x)} — {who}")
    for r in report["removed"]:
        lines.append(f"  删除版面杂项（第 {r['line']} 行，{r['reason']}）：{r['text']}")
    for w in report["warnings"]:
        lines.append(f"  注意（第 {w['line']} 行）：{w['warning']}")
    if dry_run:
        lines.append("（--dry-run：没有写入任何文件）")
    return "\n".join(lines)


def write_issue_paper(options: ImportOptions) -> None:
    """Create the issue's issue.yaml with the paper name, unless it exists (never overwritten)."""
    path = options.content / f"{options.date:%Y/%m/%d}" / "issue.yaml"
    if not path.exists():
        path.write_text(f"paper: {quoted(options.paper)}\n", encoding="utf-8")
