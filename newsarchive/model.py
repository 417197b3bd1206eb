"""The content and site model: frozen dataclasses, no I/O."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from .config import Config

EMPTY: Mapping = MappingProxyType({})


def _empty() -> Mapping:
    return EMPTY

# Taxonomy kinds, in display order: URL segment → (front-matter field, label).
KINDS: dict[str, tuple[str, str]] = {
    "sections": ("section", "栏目"),
    "topics": ("topics", "主题"),
    "reporters": ("reporter", "记者"),
}


@dataclass(frozen=True, eq=False)
class Article:
    """One article as read from its file, with its body already rendered."""

    source: str  # path of the file relative to the content folder, POSIX style
    date: datetime.date
    title: str
    section: str
    slug: str
    kicker: str = ""
    subtitle: str = ""
    page: int | None = None
    order: int | None = None
    reporters: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    regions: tuple[tuple[int, int, int, int], ...] = ()  # where it is printed on its page's scan: x, y, w, h
    extra: Mapping = field(default_factory=_empty)  # front-matter keys the model does not know, kept for templates
    # its body rendered to HTML; from the parse cache, a StoredBody (state.py) that reads it when a page
    # or a search record needs it (at 100,000 articles the bodies are most of the cache; an edit uses few)
    body: Any = ""
    links: tuple[str, ...] = ()  # the href of every link in the body, as written there (linkcheck.py)
    byline_missing: bool = False  # the printed text does not name every reporter, so pages should
    excerpt: str = ""
    headline_digest: str = ""  # of what a list of headlines shows of it (search/headlines.js)
    digest: str = ""  # of the file's bytes: what incremental builds compare
    warnings: tuple = ()  # Problems that did not stop the build (a removed control character, an unsafe link)

    @property
    def body_html(self) -> str:
        body = self.body
        return body if isinstance(body, str) else body.read()

    @property
    def full_title(self) -> str:
        """Kicker, title and subtitle in reading order, as one line."""
        return " ".join(p for p in (self.kicker, self.title, self.subtitle) if p)

    @property
    def sort_key(self) -> tuple:
        """Reading order within an issue: page, then order, then file name."""
        return (self.page if self.page is not None else 10**6,
                self.order if self.order is not None else 10**6, self.source)


@dataclass(frozen=True, eq=False)
class IssueMeta:
    """Optional issue.yaml of an issue folder."""

    source: str
    date: datetime.date
    paper: str = ""
    number: str = ""
    page_names: Mapping = field(default_factory=_empty)  # page number → name, e.g. 1 → 要闻
    note: str = ""
    extra: Mapping = field(default_factory=_empty)
    warnings: tuple = ()

    def __reduce__(self):  # for the parse cache: read-only mappings do not pickle, plain dicts do
        return _issue_meta, (self.source, self.date, self.paper, self.number, dict(self.page_names), self.note,
                             dict(self.extra), self.warnings)


def _issue_meta(source, date, paper, number, page_names, note, extra, warnings=()) -> IssueMeta:
    return IssueMeta(source, date, paper, number, MappingProxyType(page_names), note, MappingProxyType(extra),
                     warnings)


@dataclass(frozen=True, eq=False)
class Scan:
    """The scan of one printed page: an image in the issue folder's pages/, and its OCR if any."""

    source: str  # the image, relative to the content folder: 1946/05/15/pages/1.jpg
    date: datetime.date
    page: int
    width: int
    height: int
    digest: str  # of the image's bytes
    ocr: str = ""  # its hOCR or ALTO file (source), for the words on the image
    ocr_digest: str = ""


@dataclass(frozen=True, eq=False)
class PageGroup:
    """The articles printed on one page (版) of an issue."""

    number: int | None
    name: str
    articles: tuple[Article, ...]
    scan: Scan | None = None

    @property
    def label(self) -> str:
        """第2版 要闻, or 未注明版次."""
        if self.number is None:
            return "未注明版次"
        return f"第{self.number}版" + (f" {self.name}" if self.name else "")


@dataclass(frozen=True, eq=False)
class Issue:
    """All articles of one date."""

    date: datetime.date
    paper: str
    number: str
    note: str
    pages: tuple[PageGroup, ...]
    articles: tuple[Article, ...]  # reading order
    extra: Mapping = field(default_factory=_empty)

    @property
    def scanned(self) -> tuple[PageGroup, ...]:
        """The pages with a scan, in page order."""
        return tuple(p for p in self.pages if p.scan is not None)


@dataclass(frozen=True, eq=False)
class Term:
    """A section, topic or reporter and its articles, newest first."""

    kind: str  # key of KINDS
    name: str
    slug: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, eq=False)
class Listing:
    """One page of a paginated list of articles."""

    term: Term
    number: int  # 1: the newest articles; 2: the oldest page, 3 the next… (see listings)
    count: int  # number of pages
    articles: tuple[Article, ...]

    @property
    def newer(self) -> int | None:
        """The number of the page of the next newer articles."""
        return None if self.number == 1 else (1 if self.number == self.count else self.number + 1)

    @property
    def older(self) -> int | None:
        """The number of the page of the next older articles."""
        if self.number == 1:
            return self.count if self.count > 1 else None
        return self.number - 1 if self.number > 2 else None


@dataclass(frozen=True, eq=False)
class Site:
    """Everything the renderer needs, gathered and checked before anything is written."""

    config: Config
    articles: tuple[Article, ...]  # newest issue first, reading order within an issue
    issues: tuple[Issue, ...]  # newest first
    terms: Mapping = field(default_factory=_empty)  # kind → tuple[Term, ...] sorted by name
    issue_of: Mapping = field(default_factory=_empty)  # article source → Issue
    neighbours: Mapping = field(default_factory=_empty)  # article source → (previous Article | None, next Article | None)
    years: tuple = ()  # ((year, ((month, (Issue, ...)), ...)), ...) newest first
    claims: Mapping = field(default_factory=_empty)  # output file → the Owner that writes it (see claims.py)
    warnings: tuple = ()  # Problems that did not stop the build, for the command line to show


def listings(term: Term, per_page: int) -> list[Listing]:
    """A term's articles in pages, newest first, that stay put as articles come: the older pages
    hold per_page articles each, counted from the oldest (page/2/ is the oldest, page/3/ the next),
    and the first page the newest per_page to 2 × per_page - 1. A new day's articles change the
    first page (and, every per_page articles, add one page), never the older ones — their URLs
    keep showing the same articles, and an incremental build keeps their files."""
    articles, total = term.articles, len(term.articles)
    fixed = max(0, total // per_page - 1)
    pages = [Listing(term, 1, fixed + 1, articles[:total - fixed * per_page])]
    for k in range(fixed):  # k = 0: the oldest
        end = total - k * per_page
        pages.append(Listing(term, k + 2, fixed + 1, articles[end - per_page:end]))
    return pages
