"""Raw pages composed from real 1946 articles, damaged the way real pages are, with the truth kept.

Used by bench/import_accuracy.py (the accuracy figures) and by the property-based import tests.
Damage: column breaks cut paragraphs mid-sentence; bylines and datelines in every convention
(■本报记者 X, 本报记者 X Y, 本报记者 X 通讯员 Y, 文/X 图/Y, a bare name line or two names,
本报讯（记者 X）, 本报讯(记者 X 通讯员 Y), 新华社…电（记者 X）, 【新华社…电】, 【本报讯】) in every position a
page puts them (under the headline, above it, before the opening paragraphs printed before the
headline, the headline printed inside a sentence of the article's own text); kickers above
headlines and dashed subtitles; headlines split over two lines or printed without markup; subheads
without markup; the tail of one article dropped between two paragraphs of another; running heads,
page numbers, page-margin dates and editors' credits.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from bench.corpus import CorpusArticle
from newsarchive.rawpage import END, is_cut

NAMES = ["李庄", "张香山", "杨秀峰", "曾克", "荒煤", "司徒达", "刘白羽", "展潮", "陈沂", "张容", "吴象", "方德",
         "毓明", "冰如", "王冠", "李佳琪", "杜菲菲", "赵晓轶", "尹明", "王越", "欧阳文", "司马光明"]
CN_DIGITS = "〇一二三四五六七八九十"
# Where a page puts an article's byline or dateline, and how often (weights).
POSITIONS = {"under": 60, "above": 15, "before_opening": 15, "inside_sentence": 10}


@dataclass
class Truth:
    kicker: str
    title: str
    subtitle: str
    reporters: tuple[str, ...]
    paragraphs: list[str]  # '### ' marks a subhead


@dataclass
class Printed:
    """An article as it will be laid out: headline lines, then body blocks."""

    truth: Truth
    head: list[str]
    body: list[str]
    byline: list[str] = field(default_factory=list)  # the byline line, when it is one of its own (body[0])


def cut_points(text: str, rng: random.Random) -> list[int]:
    """Positions where a column break can cut a paragraph mid-sentence."""
    return [i for i in range(6, len(text) - 4) if is_cut(text[:i]) and text[i - 1] not in END and text[i] not in "，。、；：？！”"]


def continuation_cut(text: str) -> int | None:
    """A cut whose remainder opens mid-sentence (one or two characters, then a comma), as on the seed page."""
    spots = [m.start() for m in re.finditer(r"(?<=[\u4e00-\u9fff])[\u4e00-\u9fff][，、]", text)
             if 10 < m.start() < len(text) - 15 and is_cut(text[:m.start()])]
    return spots[len(spots) // 2] if spots else None


def prepare(a: CorpusArticle, rng: random.Random) -> Printed:
    """Headline, byline and body of one article, in one of the conventions, with the truth."""
    parts = list(a.headline)
    kicker, subtitle = "", ""
    if len(parts) >= 2 and rng.random() < 0.3:
        kicker, title = parts[0], parts[1]
        subtitle = " ".join(parts[2:])
    else:
        title, subtitle = parts[0], " ".join(parts[1:])
    if subtitle and rng.random() < 0.3:
        subtitle = "——" + subtitle
    paragraphs = [p for p in a.paragraphs if p.strip()]
    reporters: tuple[str, ...] = ()
    byline: list[str] = []
    names = rng.sample(NAMES, 2)
    style = rng.choice(["none", "box", "two", "tx_line", "wen", "bare", "bare_two", "dateline", "dateline_tx",
                        "xinhua", "xinhua_bracket", "plain"])
    first = paragraphs[0] if paragraphs and not paragraphs[0].startswith("### ") and re.search("[，。]", paragraphs[0]) else None
    if first is not None and first.startswith("【"):
        style = "none"  # keeps the corpus's own 【新华社…电】 dateline
    if a.author and paragraphs and paragraphs[0] == a.author:
        style, reporters = "none", (a.author,)  # the corpus's own byline line under the headline
    day = CN_DIGITS[rng.randint(1, 9)]
    if style == "box":
        byline, reporters = [f"■本报记者 {names[0]}"], (names[0],)
    elif style == "two":
        byline, reporters = [f"本报记者 {names[0]} {names[1]}"], tuple(names)
    elif style == "tx_line":
        byline, reporters = [f"本报记者 {names[0]} 通讯员 {names[1]}"], (names[0],)
    elif style == "wen":
        byline, reporters = [f"文/{names[0]} 图/{names[1]}"], (names[0],)
    elif style == "bare":
        byline, reporters = [names[0]], (names[0],)
    elif style == "bare_two":
        byline, reporters = [f"{names[0]} {names[1]}"], tuple(names)
    elif first is not None and style == "dateline":
        paragraphs[0], reporters = f"本报讯（记者 {names[0]}）{first}", (names[0],)
    elif first is not None and style == "dateline_tx":
        paragraphs[0], reporters = f"本报讯(记者 {names[0]} 通讯员 {names[1]}){first}", (names[0],)
    elif first is not None and style == "xinhua":
        paragraphs[0], reporters = f"新华社延安五月{day}日电（记者 {names[0]}）{first}", (names[0],)
    elif first is not None and style == "xinhua_bracket":
        paragraphs[0] = f"【新华社张家口{day}日电】{first}"
    elif first is not None and style == "plain":
        paragraphs[0] = f"【本报讯】{first}"
    truth = Truth(kicker, title, subtitle, reporters, byline + paragraphs)
    head = ([f"### {kicker}"] if kicker else [])
    if " " in title and rng.random() < 0.15:
        head += [f"## {t}" for t in title.split(" ", 1)]
    else:
        head.append(f"## {title}")
    if subtitle:
        head.append(f"### {subtitle}")
    body = list(byline)
    for p in paragraphs:
        if p.startswith("### ") and not re.search("[，。、；：！？]", re.sub("^### [一二三四五六七八九十]+、", "", p)) \
                and rng.random() < 0.5:
            body.append(p[4:])  # a subhead printed without markup
        else:
            body.append(p)
    return Printed(truth, head, body, list(byline))


def break_columns(body: list[str], rng: random.Random, rate: float = 0.25) -> list[str]:
    out = []
    for block in body:
        spots = cut_points(block, rng) if len(block) > 40 and not block.startswith("#") else []
        if spots and rng.random() < rate:
            i = rng.choice(spots)
            out += [block[:i], block[i:]]
        else:
            out.append(block)
    return out


def compose_page(articles: list[CorpusArticle], rng: random.Random) -> tuple[str, list[Truth]]:
    """A damaged raw page of these articles, and the truth of each."""
    printed = [prepare(a, rng) for a in articles]
    blocks_of = [lay_out(p, n, rng) for n, p in enumerate(printed)]
    # the tail of one article dropped between two paragraphs of a later one
    if len(printed) >= 2 and rng.random() < 0.5:
        src = rng.randrange(len(printed) - 1)
        dst = rng.randrange(src + 1, len(printed))
        blocks = blocks_of[src]
        candidates = [i for i in range(len(blocks) - 3, len(blocks)) if i > 2 and not blocks[i].startswith("#")
                      and continuation_cut(blocks[i]) is not None and all(not b.startswith("#") for b in blocks[i:])]
        host = blocks_of[dst]
        spots = [j for j in range(3, len(host)) if not host[j].startswith("#") and not host[j - 1].startswith("#")
                 and not is_cut(host[j - 1])]
        if candidates and spots:
            i = candidates[0]
            c = continuation_cut(blocks[i])
            tail = [blocks[i][c:]] + blocks[i + 1:]
            blocks_of[src] = blocks[:i] + [blocks[i][:c]]
            j = rng.choice(spots)
            blocks_of[dst] = host[:j] + tail + host[j:]
    lines: list[str] = []
    if rng.random() < 0.5:
        lines.append(rng.choice([f"人民日报 1946年5月{rng.randint(15, 31)}日 星期{rng.choice('一二三四五六日')}",
                                 f"1946年5月{rng.randint(15, 31)}日"]))
    for n, blocks in enumerate(blocks_of):
        lines += blocks
        if n == 0 and rng.random() < 0.15:
            lines.append(f"- {rng.randint(1, 4)} -")
    if rng.random() < 0.5:
        lines.append(f"第{rng.randint(1, 4)}版")
    if rng.random() < 0.25:
        lines.append(f"责任编辑：{rng.choice(NAMES)}")
    return "\n\n".join(lines) + "\n", [p.truth for p in printed]


def lay_out(p: Printed, n: int, rng: random.Random) -> list[str]:
    """The blocks of one article where a page puts its byline or dateline: under the headline (most
    often), above it, or with the opening paragraphs before it; or the headline inside a sentence
    of the article's own text after its byline (the seed page's 政协 article)."""
    body = p.body
    opening = len(p.byline) + (1 if p.truth.reporters or body[:1] and body[0].startswith(("【", "本报讯", "新华社")) else 0)
    credited = opening > 0 and len(body) > opening
    position = rng.choices(list(POSITIONS), list(POSITIONS.values()))[0] if credited else "under"
    if position == "inside_sentence" and p.byline:
        textual = [i for i, b in enumerate(body) if i >= 1 and not b.startswith("#") and len(b) > 30 and cut_points(b, rng)]
        if textual and n > 0:
            k = textual[0]
            i = rng.choice(cut_points(body[k], rng))
            return body[:k] + [body[k][:i]] + p.head + [body[k][i:]] + break_columns(body[k + 1:], rng)
        position = "under"
    if position == "above" and p.byline:
        return p.byline + p.head + break_columns(body[1:], rng)
    if position in ("before_opening", "above") and n > 0:
        k = min(len(body) - 1, opening + rng.randint(0, 1))  # the byline line, the dateline's paragraph, one more
        if all(not b.startswith("#") for b in body[:k]):
            return body[:k] + p.head + break_columns(body[k:], rng)
    head = p.head
    if rng.random() < 0.05 and len(head) == 1 and body and body[0].startswith(("本报讯", "新华社")):
        head = [head[0][3:]]  # a headline without markup
    return head + break_columns(body, rng)
