"""A raw page → the articles printed on it, with every decision recorded. Pure: text in, drafts out.

The page is read as blocks (rawpage.py), then assembled the way an editor would: headline groups
start articles; a byline or dateline after body text starts one whose headline may come later
(then the headline is put back, and a sentence it interrupted is rejoined); a block that opens
mid-sentence is the tail of whichever article it reads like (character-bigram similarity) and
goes back there; a paragraph cut by a column break is rejoined with the next.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from .errors import BuildError, Problem
from .rawpage import (END, HEADING_MARK, Block, bare_names, classify, ends_open, is_cut, is_signature, previous_item,
                      reporters_of, split_blocks, splits_word, starts_enumeration, starts_mid_sentence, suspicious_tokens)
from .text import HAN


@dataclass
class Para:
    kind: str  # p, h3 (subhead), byline (a credit line kept as printed)
    text: str
    lines: list[tuple[int, int]]
    dateline: bool = False  # opens with a dateline: never the rest of a cut paragraph


@dataclass
class Draft:
    """An article being assembled."""

    kicker: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    subtitle: list[str] = field(default_factory=list)
    headline_lines: list[tuple[int, int]] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    paras: list[Para] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    start: int = 0  # first line, for reading order
    opened_by: str = "headline"  # or byline, dateline, names (a line of names), text
    topics: list[str] = field(default_factory=list)  # suggested from the text (importcmd)
    regions: list[tuple[int, int, int, int]] = field(default_factory=list)  # where it is printed (OCR with boxes)

    @property
    def has_headline(self) -> bool:
        return bool(self.title)

    @property
    def has_text(self) -> bool:
        return any(p.kind == "p" for p in self.paras)

    def add_reporters(self, names) -> None:
        self.reporters += [n for n in names if n not in self.reporters]

    def decide(self, action: str, line: int, confidence: float) -> None:
        self.decisions.append({"action": action, "line": line, "confidence": round(confidence, 2)})

    def headline(self) -> list[Para]:
        """Kicker, title and subtitle as paragraphs, to weigh what reads like this article."""
        return [Para("h", t, []) for t in self.headline_text()]

    def text(self) -> str:
        return "".join(self.headline_text() + [p.text for p in self.paras])

    def headline_text(self) -> list[str]:
        return self.kicker + self.title + self.subtitle

    def reads_like(self) -> str:
        """The text that a piece is compared with: the headline weighs as much here as under a headline
        that a piece printed above it may belong to (the two sides of a split weighed alike)."""
        return "".join(self.headline_text() * HEADLINE_WEIGHT + [p.text for p in self.paras])

    def lines(self) -> list[int]:
        """The page's lines this article was made of, in order."""
        return sorted({n for first, last in self.headline_lines + [s for p in self.paras for s in p.lines]
                       for n in range(first, last + 1)})


@dataclass
class PageImport:
    articles: list[Draft]
    furniture: list[dict]
    warnings: list[dict]


REVIEW_BELOW = 0.6  # a decision less sure than this is also a warning for the editor, naming the lines
MIN_CONTINUATION_SIMILARITY = 0.15  # a piece must read somewhat like the article it is moved to
PLACE_EVIDENCE = 0.5  # a dispatch dated from the place of one article's dispatches, none elsewhere
HEADLINE_WEIGHT = 3  # the headline counts this many times in what reads like the article under it
HEADLINE_SIMILARITY = 2.0  # how much a piece's likeness to a headline alone counts beside its likeness to the text


def looks_like_headline(block: Block, following: Block | None) -> bool:
    """An unmarked headline: a short line without sentence punctuation right above a byline or dateline."""
    text = block.text
    return (block.kind == "para" and following is not None and following.kind in ("byline", "dateline")
            and len(text) <= 30 and not re.search(r"[，。；！？：,.;!?]", text) and not is_signature(text))


def looks_like_subhead(block: Block, previous: Para | None, following: Block | None) -> bool:
    """An unmarked subhead: a short line without punctuation between finished paragraphs."""
    text = re.sub(r"^[一二三四五六七八九十]+、", "", block.text)  # 一、毁灭与新生
    numbered = text != block.text
    # Phrase-like: two halves around a space (提升基层服务 综合救助顺民意), numbered, or very short;
    # a longer run of words is more likely the first line of a paragraph cut by a column break.
    phrase_like = " " in block.text.strip() or numbered or len(block.text) <= 10
    return (block.kind == "para" and phrase_like and 4 <= len(block.text) <= 30
            and not re.search(r"[，。、；！？：,.;!?“”【】《》]", text)
            and not is_signature(block.text)
            and (previous is None or previous.kind == "byline" or previous.kind == "p" and
                 (not is_cut(previous.text) or is_signature(previous.text)))
            and following is not None and _opens_under_subhead(following, numbered)
            and not ends_open(text)  # 我们的力量在 / 那里呢？ is a paragraph cut by a column break
            and (following.kind != "para" or not splits_word(block.text, following.text)))


def _opens_under_subhead(following: Block, numbered: bool) -> bool:
    """What may follow a subhead: a paragraph that starts a sentence — one with punctuation of its own
    unless the subhead is numbered (三、问题的焦点 / 解放区……“黄河归 is cut by a column break too) —,
    or, for a numbered one, the headline it was printed above with the article's opening."""
    if following.kind == "h2":
        return numbered
    return (following.kind == "para" and not starts_mid_sentence(following.text) and not is_signature(following.text)
            and (numbered or bool(re.search(r"[，。！？；]", following.text)))
            and len(following.text) >= 10)  # 二、使贷款向生产 / 上发展。 is one sentence cut short


def _closes_article(text: str) -> bool:
    """A closing line (…敬献, a date, ——斯大林), but not a line of names, which is as often a byline."""
    return is_signature(text) and bare_names(text) is None


def parse_page(text: str, shown: str = "page") -> PageImport:
    """Assemble the articles of a page; raise BuildError if no article can be recognised."""
    return assemble_page(split_blocks(text), shown)


def assemble_page(blocks: list[Block], shown: str = "page") -> PageImport:
    """The articles of a page's blocks (in reading order): furniture set aside, headlines found,
    pieces given to their articles, continuations returned, column breaks joined."""
    furniture = [{"line": b.first, "text": b.text, "reason": b.reason} for b in blocks if b.kind == "furniture"]
    blocks = _rejoin_cut_datelines([b for b in blocks if b.kind != "furniture"])
    _mark_unmarked_headlines(blocks)
    articles = _merge_headless([a for a in _Assembler(blocks).run() if a.paras or a.title])
    if not articles or not any(a.has_headline for a in articles):
        raise BuildError([Problem(shown, "no recognisable article: expected at least one headline "
                                         "('## title', or a short line above a byline)")])
    _return_continuations(articles)
    for article in articles:
        _join_column_breaks(article)
        if not article.has_headline:
            article.warnings.append({"line": article.start, "warning": "no headline found; the first words are used"})
            article.title = [article.paras[0].text[:20]] if article.paras else ["（无题）"]
    warnings = [w for article in articles for w in _review_warnings(article)]
    return PageImport(sorted(articles, key=lambda a: a.start), furniture, warnings)


def _mark_unmarked_headlines(blocks: list[Block]) -> None:
    """A short unpunctuated line above a byline, after a finished paragraph: a headline."""
    for i, b in enumerate(blocks):
        if looks_like_headline(b, blocks[i + 1] if i + 1 < len(blocks) else None) and \
                (i == 0 or blocks[i - 1].kind in ("para", "dateline") and
                 (not is_cut(blocks[i - 1].text) or _closes_article(blocks[i - 1].text))):
            b.kind, b.marks = "h2", ["unmarked headline"]


def _review_warnings(article: Draft) -> list[dict]:
    """The article's warnings, with its decisions below REVIEW_BELOW and suspicious words added."""
    lines = [n for span in article.headline_lines + [s for p in article.paras for s in p.lines] for n in span]
    for decision in article.decisions:
        if decision["confidence"] < REVIEW_BELOW:
            article.warnings.append({"line": decision["line"], "warning": (
                f"unsure ({decision['confidence']:.2f}): {decision['action']} — check lines "
                f"{min(lines)}–{max(lines)} of the page")})
    for para in article.paras:
        for token in suspicious_tokens(para.text):
            article.warnings.append({"line": para.lines[0][0], "warning": f"suspicious Latin word {token!r} inside Chinese text (kept as printed)"})
    return article.warnings


_HAN_CHAR = re.compile(f"[{HAN}]")


def _is_scrap(text: str) -> bool:
    """At most three characters, and not a short sentence (Han text with a sentence's end)."""
    return len(text) <= 3 and not (_HAN_CHAR.search(text) and any(c in END for c in text))


def _scraps_only(draft: Draft) -> bool:
    """A headline followed by nothing but scraps (JIA, 3??, 军: a deck OCR could not read) has no body
    yet: the byline or dateline after them opens its text, not another article."""
    return draft.has_headline and all(p.kind != "p" or _is_scrap(p.text) for p in draft.paras)


def _headline_in_pieces(draft: Draft) -> bool:
    """A bare headline with only scraps after it: the next headline line is the rest of it
    (苏皖国民党军 / 一 / 侵陷夏邑城), read apart by OCR."""
    return (_scraps_only(draft) and not draft.subtitle and not draft.reporters
            and not any(p.dateline or p.kind != "p" for p in draft.paras))


class _Assembler:
    """Blocks in reading order → draft articles: each block opens an article, joins the current
    one, or (a headline) is claimed by the headless piece above it."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        self.articles: list[Draft] = []
        self.cur: Draft | None = None
        self.pending_join: Draft | None = None  # a sentence interrupted by a displaced headline

    def run(self) -> list[Draft]:
        i = 0
        while i < len(self.blocks):
            b = self.blocks[i]
            if b.kind == "h2" or (b.kind == "h3" and _leads_to_h2(self.blocks, i)):
                i = self.headline(i)
                continue
            if b.kind in ("byline", "dateline"):
                kind = self.marker(b)
            elif b.kind == "h3":
                kind = self.subhead(b)
            else:
                kind = self.text(b, self.blocks[i + 1] if i + 1 < len(self.blocks) else None)
            if kind is not None:
                self.append(b, kind)
            i += 1
        return self.articles

    def open(self, draft: Draft) -> Draft:
        self.cur = draft
        self.articles.append(draft)
        return draft

    def headline(self, i: int) -> int:
        """The headline block group from i: given to the headless piece above or a new article.
        Returns the index after the group."""
        blocks, cur, articles = self.blocks, self.cur, self.articles
        b = blocks[i]
        j, kicker, title, subtitle = _headline_group(blocks, i)
        after = blocks[j] if j < len(blocks) else None
        lines = [(blk.first, blk.last) for blk in blocks[i:j]]
        if cur is not None and not kicker and _headline_in_pieces(cur):
            cur.title, cur.subtitle = [cur.title[0] + "".join(title)], subtitle
            cur.headline_lines += lines
            cur.decide("joined two headline lines with only scraps between them (a headline OCR read in pieces)",
                       b.first, 0.6)
            return j
        claim = _claims_headline(cur, articles, blocks, j, kicker + title + subtitle) \
            if cur is not None and not cur.has_headline and cur.paras else None
        if claim is not None and claim[2] == len(cur.paras):  # all of the piece is the article above's
            _give_back(cur, articles[-2], claim[2], claim[1])
            articles.remove(cur)
            claim = None
        if claim is not None:
            if claim[2]:  # the first dispatches of the piece are the article above's
                _give_back(cur, articles[-2], claim[2], claim[1])
            cur.kicker, cur.title, cur.subtitle, cur.headline_lines = kicker, title, subtitle, lines
            cur.decide(claim[0], b.first, claim[1])
            if _stops_mid_sentence(cur.paras[-1]) and after is not None and after.kind == "para":
                self.pending_join = cur
        else:
            cur = self.open(Draft(kicker, title, subtitle, lines, start=b.first))
            if "unmarked headline" in b.marks:
                cur.decide("took a short unpunctuated line above a byline as the headline", b.first, 0.7)
        return j

    def marker(self, b: Block) -> str:
        """A byline or dateline: a new article, unless this one has no headline yet (dispatches
        printed before a headline stay together until it is decided whose they are)."""
        cur = self.cur
        if cur is not None and b.kind == "dateline" and _all_text_above_headline(cur):
            # its opening was printed before its headline, and a headline is never left without text
            # of its own under it: the dispatch right under the headline is the article's next one
            cur.decide("kept the dispatch right under the headline with the opening printed above it", b.first, 0.7)
        elif cur is None or cur.has_text and (cur.has_headline or cur.opened_by == "text") and not _scraps_only(cur):
            cur = self.open(Draft(start=b.first, opened_by=b.kind))
        cur.add_reporters(b.reporters)
        return "byline" if b.kind == "byline" else "p"

    def subhead(self, b: Block) -> str | None:
        if self.cur is None:
            cur = self.open(Draft(title=[b.text], headline_lines=[(b.first, b.last)], start=b.first))
            cur.decide("took a subheading-level line at the top of the page as a headline", b.first, 0.5)
            return None
        return "h3"

    def text(self, b: Block, following: Block | None) -> str:
        """A paragraph — or a line of names (a byline), or an unmarked subhead."""
        names = _name_line(b.text)
        if self.cur is None and names and following is not None and following.kind == "h2":
            # a line of names opening the page right above a headline: its byline (a short line read
            # from a scan's top edge, with text under it, is as likely noise)
            self.open(Draft(start=b.first, opened_by="names")).add_reporters(names)
            return "byline"
        cur = self.cur if self.cur is not None else self.open(Draft(start=b.first, opened_by="text"))
        if cur.has_headline and not cur.has_text and names:
            cur.add_reporters(names)
            cur.decide("took a line of names under the headline as the byline", b.first, 0.7)
            return "byline"
        if names and cur.has_text and following is not None and \
                following.kind in ("h2", "h3", "para") and \
                not (following.kind == "para" and is_signature(following.text)):  # 杨秀峰 / 五月十五日 signs off
            # a line of names after a finished paragraph: the byline of what follows, printed
            # above its headline or its opening — or the signature of what precedes (decided
            # when the headline comes; kept here if none does)
            self.open(Draft(start=b.first, opened_by="names")).add_reporters(names)
            return "byline"
        if (cur.paras or cur.has_headline) and looks_like_subhead(b, cur.paras[-1] if cur.paras else None, following):
            cur.decide("took a short unpunctuated line between paragraphs as a subhead", b.first, 0.75)
            return "h3"
        return "p"

    def append(self, b: Block, kind: str) -> None:
        cur = self.cur
        para = Para(kind, b.text, [(b.first, b.last)], dateline=b.kind == "dateline")
        if "rejoined dateline" in b.marks:
            cur.decide("joined a dateline cut by a column break inside its brackets", b.first, 0.9)
        if self.pending_join is cur and kind == "p":
            last = cur.paras[-1]
            last.text += para.text
            last.lines += para.lines
            cur.decide("rejoined the sentence the displaced headline interrupted", b.first, 0.85)
        else:
            cur.paras.append(para)
        self.pending_join = None


def _stops_mid_sentence(para: Para) -> bool:
    """A paragraph that a headline printed inside it may have cut: one without its final punctuation,
    but not a closing line (——斯大林, a line of names), which never has any."""
    return para.kind == "p" and is_cut(para.text) and not is_signature(para.text)


def _all_text_above_headline(draft: Draft) -> bool:
    """An article with a headline whose text so far was all printed above it (claimed by it)."""
    if not draft.headline_lines or not draft.has_text:
        return False
    top = draft.headline_lines[0][0]
    return all(p.lines[-1][1] < top for p in draft.paras)


def _name_line(text: str) -> tuple[str, ...] | None:
    """The names of a short line that is only names (刘白羽, 余航 王越): a byline or a signature."""
    return bare_names(text) if len(text) <= 16 else None


def _names_under(blocks: list[Block], j: int) -> bool:
    """A line of names right under a headline (刘白羽) that is its byline, not a signature
    (杨秀峰 / 五月十五日 closes an article whose text was printed above the headline)."""
    after = blocks[j] if j < len(blocks) else None
    then = blocks[j + 1] if j + 1 < len(blocks) else None
    return (after is not None and after.kind == "para" and bool(_name_line(after.text))
            and then is not None and then.kind in ("para", "h3") and not is_signature(then.text))


def _claims_headline(cur: Draft, articles: list[Draft], blocks: list[Block], j: int,
                     headline: list[str]) -> tuple[str, float, int] | None:
    """Whether a headless piece (bylines or datelines and what followed them) takes the headline
    that comes next — printed before its headline —, with the reason, how sure, and how many of its
    first paragraphs stay with the article before (its further dispatches; all of them: the
    headline opens an article of its own); or None: the piece is left to the article before."""
    after = blocks[j] if j < len(blocks) else None
    if _stops_mid_sentence(cur.paras[-1]) and after is not None and after.kind == "para" and \
            not starts_enumeration(after.text) and (cur.opened_by != "dateline" or starts_mid_sentence(after.text)):
        # a headless dispatch cut short is more likely a second dispatch whose end was dropped
        # elsewhere, unless the text under the headline plainly goes on with it
        return "reattached a displaced headline printed inside the article's own sentence", 0.85, 0
    if after is None or after.kind in ("byline", "h2") or after.kind == "dateline" and after.reporters \
            or _names_under(blocks, j):
        return None  # the headline brings its own byline: the piece is the previous article's
    if cur.opened_by == "names" and not cur.has_text:
        return "took the line of names printed above the headline as the article's byline", 0.7, 0
    previous = articles[-2] if len(articles) >= 2 and articles[-1] is cur else None
    if previous is None:
        return "took the byline and opening printed before the headline as the article's", 0.8, 0
    under = headline * HEADLINE_WEIGHT + [after.text]  # the headline and its own text, to its next article-like break
    for blk in blocks[j + 1:j + 6]:
        if blk.kind in ("h2", "byline", "dateline"):
            break
        under.append(blk.text)
    keep, sure = _split_before_headline(cur.paras, (previous.reads_like(), "".join(under)),
                                        ("".join(previous.headline_text()), "".join(headline)))
    if keep == len(cur.paras):
        return "", sure, keep
    return "took the byline or dateline and opening printed before the headline as the article's" + (
        f" (the {keep} paragraph(s) before them stay with the article above)" if keep else ""), sure, keep


def _split_before_headline(paras: list[Para], texts: tuple[str, str], heads: tuple[str, str]) -> tuple[int, float]:
    """Where the pieces printed between an article and the next headline divide: the first `keep`
    paragraphs (whole dispatches) go on the article above, the rest open the one below. The split
    that best fits both by character-bigram similarity, to each article's text (`texts`: above,
    below) and, on its own, to each headline (`heads`), which sums up a long article's dispatches
    better than its text does (平汉川陕道上国民党军运忙: 川陕路上兵车连日不绝); a byline (■本报记者 X,
    or a line of names with text after it: a signature is the last line of its article) and what
    follows it always go below, 【又讯】 never opens the part below. Returns (keep, confidence)."""
    starts = [k for k, p in enumerate(paras) if k == 0 or p.dateline or p.kind == "byline"]
    credit = next((k for k in starts if paras[k].kind == "byline"), None)
    units = [paras[a:b] for a, b in zip(starts, starts[1:] + [len(paras)])]
    grams = [_bigrams("".join(p.text for p in unit)) for unit in units]
    docs = [_bigrams(texts[0]), _bigrams(texts[1])] + grams
    df = Counter(g for d in docs for g in d)
    idf = {g: math.log((1 + len(docs)) / (1 + n)) + 0.1 for g, n in df.items()}
    above, below = (_bigrams(h) for h in heads)
    to_above = [_similarity(g, docs[0], idf) + HEADLINE_SIMILARITY * _similarity(g, above, idf) for g in grams]
    to_below = [_similarity(g, docs[1], idf) + HEADLINE_SIMILARITY * _similarity(g, below, idf) for g in grams]
    scores = {}
    for split in range(len(units) + 1):
        if split < len(units) and is_another_report(units[split][0].text):
            continue
        if credit is not None and split > starts.index(credit):
            continue
        scores[split] = sum(to_above[:split]) + sum(to_below[split:])
    best = max(scores, key=lambda k: (scores[k], -k))
    others = [v for k, v in scores.items() if k != best]
    # how much better it reads, in cosine similarity (the two likenesses of each piece weighed as one)
    lead = (scores[best] - max(others)) / (1 + HEADLINE_SIMILARITY) if others else 1.0
    keep = starts[best] if best < len(units) else len(paras)
    return keep, round(0.5 + min(0.45, 1.5 * lead), 2)


def _give_back(piece: Draft, above: Draft, keep: int, sure: float) -> None:
    """The first `keep` paragraphs of a piece go on the article above, with the reporters they name."""
    moved, piece.paras = piece.paras[:keep], piece.paras[keep:]
    above.paras += moved
    named = {n for p in moved if p.kind == "byline" or p.dateline for n in reporters_of(p.text)}
    still = {n for p in piece.paras if p.kind == "byline" or p.dateline for n in reporters_of(p.text)}
    above.add_reporters([n for n in piece.reporters if n in named])
    piece.reporters = [n for n in piece.reporters if n not in named or n in still]
    if piece.paras:
        piece.start = piece.paras[0].lines[0][0]
    above.decide(f"kept {keep} paragraph(s) printed before the next headline as this article's further "
                 "dispatches, not the opening of the next", moved[0].lines[0][0], sure)


def is_another_report(text: str) -> bool:
    """【又讯】: a further report of the article it follows, never the opening of one."""
    return text.startswith(("【又讯】", "又讯"))


def _rejoin_cut_datelines(blocks: list[Block]) -> list[Block]:
    """A column break inside a dateline's brackets (本报讯（记者 杨秀 / 峰）…, 【新华社哈尔滨十七日 / 电】…):
    one block again, read anew, so the reporter's name is whole and a headline above it is seen as one."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        open_bracket = prev is not None and b.kind == "para" and (
            prev.kind == "dateline" and re.search(r"[(（][^()（）]*$", prev.text)
            or prev.kind == "para" and re.fullmatch(r"(?:■\s*)?【[^】]{1,20}", prev.text))
        joined = classify(prev.text + b.text, prev.first, b.last) if open_bracket else None
        if joined is not None and joined.kind == "dateline":
            out[-1] = joined
            joined.marks.append("rejoined dateline")
        else:
            out.append(b)
    return out


def _merge_headless(articles: list[Draft]) -> list[Draft]:
    """A byline or dateline that never found its headline belongs to the article before it
    (a second dispatch, a signed section): put it back there."""
    merged: list[Draft] = []
    for a in articles:
        if not a.has_headline and merged:
            prev = merged[-1]
            if a.opened_by == "names":  # a signature at the article's end, not its byline
                a.paras[0].kind = "p"
            else:
                prev.add_reporters(a.reporters)
            prev.paras += a.paras
            prev.decide(f"kept a {a.opened_by} without a headline of its own inside the article before it", a.start, 0.7)
        else:
            if not a.has_headline:
                a.warnings.append({"line": a.start, "warning": "text before any headline"})
            merged.append(a)
    return merged


def _more_subheads(blocks: list[Block], i: int) -> bool:
    """Whether the text after blocks[i] has subheads (h3 lines between paragraphs) before the next headline."""
    for k in range(i + 2, len(blocks)):
        if blocks[k].kind == "h2" or blocks[k].kind == "h3" and _leads_to_h2(blocks, k):
            return False
        if blocks[k].kind == "h3" and blocks[k - 1].kind != "h3":
            return True
    return False


def _leads_to_h2(blocks: list[Block], i: int) -> bool:
    j = i
    while j < len(blocks) and blocks[j].kind == "h3":
        j += 1
    return j < len(blocks) and blocks[j].kind == "h2"


_NUMBERED_BY_SPACE = re.compile(r"[一二三四五六七八九十]{1,3}[ \u3000]+")  # 一  放水围困，敲骨吸髓 (a subhead)


def _headline_group(blocks: list[Block], i: int):
    """h3* (kickers) h2+ (title parts) h3* (subtitles) starting at i → (end, kicker, title, subtitle)."""
    kicker, title, subtitle = [], [], []
    while blocks[i].kind == "h3":
        kicker.append(blocks[i].text)
        i += 1
    while i < len(blocks) and blocks[i].kind == "h2":
        title.append(blocks[i].text)
        i += 1
    # Subtitles follow the title directly; one that opens with a dash always is one. A numbered
    # line (一、…), or a short phrase under which the article has more subheads, is its first subhead.
    while i < len(blocks) and blocks[i].kind == "h3" and (not subtitle or blocks[i].text.startswith("——")):
        if subtitle and not blocks[i].text.startswith("——"):
            break
        text = blocks[i].text
        if not text.startswith("——") and (starts_enumeration(text) or _NUMBERED_BY_SPACE.match(text)
                                          or _more_subheads(blocks, i) and len(text) <= 20
                                          and not re.search(r"[，,；;]", text)):
            break
        subtitle.append(blocks[i].text)
        i += 1
    return i, [" ".join(kicker)] if kicker else [], [" ".join(title)], [" ".join(subtitle)] if subtitle else []


def _bigrams(text: str) -> Counter:
    han = re.sub(f"[^{HAN}]", "", text)
    return Counter(han[k:k + 2] for k in range(len(han) - 1))


def _similarity(piece: Counter, body: Counter, idf: dict[str, float]) -> float:
    """Cosine similarity of TF-IDF character-bigram vectors: fair to short and long articles alike."""
    dot = sum(n * body[g] * idf.get(g, 0) ** 2 for g, n in piece.items() if g in body)
    norm_a = math.sqrt(sum((n * idf.get(g, 0)) ** 2 for g, n in piece.items()))
    norm_b = math.sqrt(sum((n * idf.get(g, 0)) ** 2 for g, n in body.items()))
    return dot / (norm_a * norm_b) if norm_a and norm_b else 0.0


def _return_continuations(articles: list[Draft]) -> None:
    """Move a block that opens mid-sentence to the article whose cut-off text it continues."""
    docs = [_bigrams(a.text()) for a in articles]
    df = Counter(g for d in docs for g in d)
    idf = {g: math.log((1 + len(docs)) / (1 + n)) + 0.1 for g, n in df.items()}
    for host in articles:
        k = 1
        while k < len(host.paras):
            piece = host.paras[k]
            if piece.kind != "p" or not starts_mid_sentence(piece.text):
                k += 1
                continue
            rest = Counter()
            for p in host.paras[:k] + host.paras[k + 1:]:
                rest.update(_bigrams(p.text))
            best, best_score = None, _similarity(_bigrams(piece.text), rest, idf) if is_cut(host.paras[k - 1].text) else -1.0
            for other in articles:
                last = other.paras[-1] if other.paras else None
                if other is host or last is None or last.kind != "p" or not is_cut(last.text) or is_signature(last.text):
                    continue
                score = _similarity(_bigrams(piece.text), _bigrams(other.text()), idf)
                # One character before the comma (量，…) is the tail of a cut word: a strong sign of its
                # own, enough when no other article's cut text reads more like it.
                floor = -math.inf if re.match(r"^.[，、；]", piece.text) else MIN_CONTINUATION_SIMILARITY
                if score > max(best_score, floor):
                    best, best_score = other, score
            if best is None:
                k += 1
                continue
            moved = [host.paras.pop(k)]
            # Following paragraphs go too while they continue a numbered series of the other article
            # or follow a line that announces them (原电如下：)…
            in_series = False
            while k < len(host.paras) and host.paras[k].kind == "p" and not starts_mid_sentence(host.paras[k].text):
                marker = previous_item(host.paras[k].text)
                there = [p.text for p in best.paras + moved]
                announced = moved[-1].text.rstrip().endswith(("：", ":"))  # 原电如下： — what follows is quoted
                if not (announced or (marker and any(t.startswith(marker) for t in there)) or
                        (in_series and starts_enumeration(host.paras[k].text))):
                    break
                moved.append(host.paras.pop(k))
                in_series = True
            # …then as many as read more like the other article than like the host (the host resumes
            # after the dropped tail): the split that best separates the two.
            window = 0
            while k + window < len(host.paras) and host.paras[k + window].kind == "p" and \
                    not starts_mid_sentence(host.paras[k + window].text) and window < 12:
                window += 1
            elsewhere = Counter(place for a in articles if a is not host and a is not best
                                for place in {dateline_place(p.text) for p in a.paras} - {None})
            take = _tail_extent(host.paras[k:k + window], best.headline() + best.paras + moved,
                                host.headline() + host.paras[:k] + host.paras[k + window:], idf, elsewhere)
            moved += host.paras[k:k + take]
            del host.paras[k:k + take]
            first = moved[0]
            best.paras[-1].text += first.text
            best.paras[-1].lines += first.lines
            best.paras += moved[1:]
            best.decide(f"moved {len(moved)} block(s) printed inside another article back here (the continuation "
                        f"of a cut-off sentence)", first.lines[0][0], 0.8)
            best.warnings.append({"line": first.lines[0][0], "warning": "text may be missing where the moved "
                                  "continuation was joined to the cut-off sentence"})


_DATELINE_PLACE = re.compile(r"^【?(新华社|本报|中央社|[^】\s]{1,6}社)(.{1,12}?)[〇一二三四五六七八九十廿卅\d]*月?"
                             r"[〇一二三四五六七八九十廿卅\d]*日?(?:电|讯)")


def dateline_place(text: str) -> str | None:
    """The agency and place of a dispatch's dateline (【新华社邯郸十五日电】 → 新华社邯郸), or None."""
    m = _DATELINE_PLACE.match(text)
    return m.group(1) + m.group(2) if m else None


def _tail_extent(candidates: list[Para], target: list[Para], own: list[Para], idf: dict[str, float],
                 elsewhere: Counter) -> int:
    """How many of the candidates (paragraphs after a moved tail) belong with it: the split maximising
    how much more each moved one reads like the target and each kept one like its host. A dispatch
    dated from a place only one side has dated from (a second 【新华社兴县…电】) is evidence, the
    stronger the fewer other articles of the page (`elsewhere`: place → count) are dated from it."""
    target_grams, own_grams = Counter(), Counter()
    for p in target:
        target_grams.update(_bigrams(p.text))
    for p in own:
        own_grams.update(_bigrams(p.text))
    target_places = {dateline_place(p.text) for p in target} - {None}
    own_places = {dateline_place(p.text) for p in own} - {None}
    best, best_gain, gain = 0, 0.0, 0.0
    for n, para in enumerate(candidates):
        grams = _bigrams(para.text)
        gain += _similarity(grams, target_grams, idf) - _similarity(grams, own_grams, idf)
        place = dateline_place(para.text)
        weight = PLACE_EVIDENCE / (1 + elsewhere[place]) ** 2
        if place in target_places and place not in own_places:
            gain += weight
        elif place in own_places and place not in target_places:
            gain -= weight
        elif place and target_places and not own_places:
            gain += PLACE_EVIDENCE / 2  # a dispatch inside a host that carries none (a feature, a commentary)
        if gain > best_gain:
            best, best_gain = n + 1, gain
    return best


def is_verse(a: str, b: str) -> bool:
    """Two short lines, the first ending at a comma: lines of a song or poem, not one paragraph cut."""
    return len(a) <= 16 and len(b) <= 20 and a.rstrip()[-1:] in "，、；"


def _join_column_breaks(article: Draft) -> None:
    """Rejoin paragraphs cut by a column break: one that stops mid-sentence continues in the next."""
    paras = article.paras
    k = 0
    while k + 1 < len(paras):
        a, b = paras[k], paras[k + 1]
        if a.kind == "p" and b.kind == "p" and is_cut(a.text) and not b.dateline and not starts_enumeration(b.text) and \
                not is_verse(a.text, b.text) and \
                (starts_mid_sentence(b.text) or not (is_signature(a.text) or is_signature(b.text))):
            confidence = 0.95 if starts_mid_sentence(b.text) or re.search(f"[{HAN}]$", a.text) else 0.8
            glue = " " if re.search(r"[A-Za-z]$", a.text) and re.match(r"[A-Za-z]", b.text) else ""
            article.decide("joined a paragraph cut by a column break", b.lines[0][0], confidence)
            a.text += glue + b.text
            a.lines += b.lines
            del paras[k + 1]
        else:
            k += 1
    for para in paras:
        if para.kind == "p" and is_cut(para.text) and not is_signature(para.text):
            article.warnings.append({"line": para.lines[-1][1], "warning": "a paragraph ends mid-sentence: text may be missing"})


def visible(text: str) -> Counter:
    """Characters that must survive an import: all but whitespace."""
    return Counter(ch for ch in text if not ch.isspace())


def page_characters(text: str) -> Counter:
    """The visible characters of a raw page, but its markup (the '## ' before a headline)."""
    return visible(HEADING_MARK.sub("", text))


def check_nothing_lost(text: str, result: PageImport, shown: str) -> None:
    """Every visible character of the page is in exactly one article or in the removed furniture."""
    out = Counter()
    for a in result.articles:
        out += visible("".join(a.kicker + a.title + a.subtitle) + "".join(p.text for p in a.paras))
    for f in result.furniture:
        out += visible(f["text"])
    source = page_characters(text)
    lost, extra = source - out, out - source
    untitled = Counter()
    for a in result.articles:
        if a.warnings and any(w["warning"].startswith("no headline") for w in a.warnings):
            untitled += visible(a.title[0])
    extra -= untitled
    if lost or extra:
        raise BuildError([Problem(shown, f"internal error: the import would lose {dict(lost)} or add {dict(extra)}; "
                                         "nothing was written")])
