"""What Pagefind reads for an article: a record made from the model (not the published page),
its Han characters spaced apart, its details as Pagefind metadata, filters and sort key."""

from __future__ import annotations

import html
import re

from ..digests import blake16
from ..text import CJK_CLOSERS, CLOSERS, HAN, OPENING_BRACKETS, SYMBOLS
from ..urls import page_view_path, year_of

_OPEN = re.escape(OPENING_BRACKETS)
_CLOSE = re.escape(CLOSERS)
# A word break after each Han character (unless closing punctuation follows: it stays with the word
# before), before each Han character (unless opening punctuation precedes: it stays with the word
# after), and after closing CJK punctuation, so that punctuation never takes a position of its own
# in a phrase.
_HAN_BOUNDARY = re.compile(
    rf"(?<=[{HAN}{SYMBOLS}])(?=[^\s{_CLOSE}<])|(?<=[^\s{_OPEN}>])(?=[{HAN}{SYMBOLS}])"
    rf"|(?<=[{re.escape(CJK_CLOSERS)}])(?=[^\s{_CLOSE}<])")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_RAW_TEXT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)

# The search page's filters: (key, label), in the order it shows them. Their values for an
# article are `filter_values`'; the page's counts before any search come from the same function.
FILTERS = (("section", "栏目"), ("year", "年份"), ("reporter", "记者"), ("topic", "主题"))


def filter_values(article, issue) -> list[tuple[str, str]]:
    """(filter, value) of an article, for every filter of FILTERS."""
    return ([("section", article.section), ("year", year_of(article.date))]
            + [("reporter", name) for name in article.reporters] + [("topic", name) for name in article.topics])


def space_han(text: str) -> str:
    """Make every Han character a word of its own: 孔明灯，倡议 → 孔 明 灯， 倡 议."""
    return _HAN_BOUNDARY.sub(" ", text)


def index_copy(page: str) -> str:
    """The page as Pagefind should read it: text between tags spaced, tags and scripts untouched."""
    parts = _TAG_OR_TEXT.split(_RAW_TEXT.sub("", page))
    return "".join(part if i % 2 else space_han(part) for i, part in enumerate(parts))


def record(article, issue, language: str) -> str:
    """What Pagefind reads for an article. Built from the model, so a shard can be indexed again
    without reading or keeping any page."""
    return index_copy(record_page(article, issue, language))


def printed_at(article, issue) -> str:
    """The site path of the article's place on its page's scan (page view#region), or ''."""
    if article.regions and any(p.number == article.page and p.scan for p in issue.pages):
        return f"{page_view_path(article.date, article.page)}#r-{article.slug}"
    return ""


def record_page(article, issue, language: str) -> str:
    """An article's record before its Han characters are spaced (`index_copy` does that)."""
    e = html.escape
    meta = [("title", article.title), ("kicker", article.kicker), ("subtitle", article.subtitle),
            ("date", article.date.isoformat()), ("section", article.section), ("page", str(article.page or "")),
            ("reporter", "、".join(article.reporters)), ("paper", issue.paper), ("view", printed_at(article, issue))]
    head = [f'<meta data-pagefind-meta="{key}[content]" content="{e(value)}">' for key, value in meta
            if value or key in ("page", "reporter", "paper")]
    sort = f"{article.date.isoformat()}/{article.page or 0:03d}/{article.order or 0:04d}"
    head.append(f'<meta data-pagefind-sort="date[content]" content="{sort}">')
    # day: for a date range (the search page asks for the days of the range a shard covers)
    filters = filter_values(article, issue) + [("day", article.date.isoformat())]
    head += [f'<meta data-pagefind-filter="{key}[content]" content="{e(value)}">' for key, value in filters]
    top = "".join([f'<p class="kicker">{e(article.kicker)}</p>' if article.kicker else "", f"<h1>{e(article.title)}</h1>",
                   f'<p class="subtitle">{e(article.subtitle)}</p>' if article.subtitle else "",
                   f'<p class="byline">记者 {e("、".join(article.reporters))}</p>' if article.byline_missing else ""])
    return (f'<!doctype html><html lang="{e(language)}"><head><meta charset="utf-8">{"".join(head)}</head>'
            f"<body><div data-pagefind-body>{top}{_ID.sub(_KEEP_TAG, article.body_html)}</div></body></html>")


# Pagefind copies the text of every element with an id into the record's anchors (for sub-results,
# which the search page does not show): without the paragraphs' ids (p1, p2…) it does not, and the
# index is 5 % smaller.
_ID = re.compile(r'(<[a-zA-Z][^<>]*?) id="[^"]*"')
_KEEP_TAG = r"\1"


def record_digest(article, issue, language: str, code: str) -> str:
    """A digest of everything `record` shows (the article's file and details, its issue's paper),
    taken without making the record: whether a shard must be indexed again is known cheaply."""
    # fields joined by control characters the content cannot hold (they are taken out as it is
    # read): a string made with no repr of the article's tuples, 100,000 times a build
    shown = "\x1f".join((article.title, article.kicker, article.subtitle, "\x1e".join(article.reporters),
                         str(article.date), article.section, str(article.page), str(article.order),
                         "\x1e".join(article.topics), str(article.byline_missing), issue.paper or "", language, code,
                         printed_at(article, issue)))
    return blake16(f"{article.digest or repr(article)}\0{shown}".encode("utf-8"))


_BODY = re.compile(r"data-pagefind-body[^>]*>(.*)</", re.S)
_TAG = re.compile(r"<[^>]*>|&[a-z]+;|&#\d+;")


def body_text(page: str) -> str:
    """The text of a page's data-pagefind-body, without tags."""
    m = _BODY.search(page)
    return _TAG.sub(" ", m.group(1) if m else page)
