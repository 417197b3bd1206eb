"""The one place that maps things to site paths, output files and URLs.

A *site path* is relative to the site root: '' (home), '2024/02/02/' (a folder page) or
'404.html' (a file). Pages link to each other with relative URLs that always name the file
(…/index.html), so the site works at a domain root, under any sub-path and from disk.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import posixpath
import re
import uuid
from urllib.parse import quote

from .model import Article, Issue, Listing, Term

HOME = ""
ARCHIVE = "archive/"
SEARCH = "search/"
SAVED = "saved/"
NOT_FOUND = "404.html"
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
MANIFEST = "manifest.webmanifest"
SERVICE_WORKER = "sw.js"
HEADLINES = "search/headlines.js"
VARIANTS = "search/variants.json"
FILTERS = "search/filters.json"
PAGEFIND = "pagefind/"  # the search index: a Pagefind bundle per shard, the shard list and router
SHARDS = PAGEFIND + "shards.json"
MARKER = ".newsarchive-build"  # marks a folder this tool wrote, so it may replace it
NOJEKYLL = ".nojekyll"
MAX_SLUG = 60


@functools.lru_cache(maxsize=65536)  # called for every article of every list: 500,000 times at 100k
def issue_path(date: datetime.date) -> str:
    return f"{date_folder(date)}/"


def year_of(date_or_year: datetime.date | int) -> str:
    """A year as the site writes it, in URLs and search filters: four digits ('0999', not '999',
    so that years sort and compare as text)."""
    year = date_or_year if isinstance(date_or_year, int) else date_or_year.year
    return f"{year:04d}"


def date_folder(date: datetime.date) -> str:
    """YYYY/MM/DD, zero-padded whatever the year (strftime's %Y is not, below 1000)."""
    return f"{year_of(date)}/{date.month:02d}/{date.day:02d}"


def article_path(article: Article) -> str:
    return f"{issue_path(article.date)}{article.slug}/"


# The printed page: a view per scanned page, its image files, an article's clippings, the issue's
# IIIF Presentation manifest.
SCAN_IMAGE = "scan.jpg"  # the page at reading size
THUMBNAIL = "thumb.jpg"  # for 版面导航
TILES = "iiif/"  # IIIF Image API level 0: info.json and the tiles, for zooming to full resolution
IIIF_MANIFEST = "manifest.json"


def page_view_path(date: datetime.date, page: int) -> str:
    """One printed page of an issue: its scan, its articles' regions and 上一版/下一版."""
    return f"{issue_path(date)}page-{page}/"


def clipping_path(article: Article, n: int = 1) -> str:
    """An article's n-th region cut from its page's scan (原版)."""
    return f"{article_path(article)}clip-{n}.jpg"


def issue_manifest_path(date: datetime.date) -> str:
    return f"{issue_path(date)}{IIIF_MANIFEST}"


def archive_year_path(year: int) -> str:
    """A year of the archive: its calendar and the list of its issues."""
    return f"{ARCHIVE}{year_of(year)}/"


def kind_path(kind: str) -> str:
    """The index of one kind of term (sections/, reporters/, topics/)."""
    return f"{kind}/"


# the fixed pages and files, by name, for layouts: url(site_paths.archive)
PATHS = {"home": HOME, "archive": ARCHIVE, "search": SEARCH, "saved": SAVED, "not_found": NOT_FOUND, "feed": FEED,
         "manifest": MANIFEST, "service_worker": SERVICE_WORKER}


def term_path(term: Term, page: int = 1) -> str:
    return f"{term.kind}/{term.slug}/" + (f"page/{page}/" if page > 1 else "")


def feed_path(term: Term | None = None) -> str:
    """The Atom feed of the whole archive, or of a section or topic."""
    return FEED if term is None else f"{term.kind}/{term.slug}/{FEED}"


def path_of(target: object) -> str:
    """The site path of a model object, or of a site path given as a string."""
    if isinstance(target, Article):
        return article_path(target)
    if isinstance(target, Issue):
        return issue_path(target.date)
    if isinstance(target, Term):
        return term_path(target)
    if isinstance(target, Listing):
        return term_path(target.term, target.number)
    if isinstance(target, datetime.date):
        return issue_path(target)
    if isinstance(target, str):
        return target
    raise TypeError(f"no URL for {target!r}")


def output_file(path: str) -> str:
    """The file a site path is written to, relative to the output folder."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def relative_url(from_path: str, to_path: str) -> str:
    """A relative URL from the page at from_path to to_path, naming the file (for file://)."""
    # Site paths hold no '.' or '..' parts, so the common prefix is all there is to it
    # (posixpath.relpath gives the same, at ten times the cost: this runs for every link).
    from_parts = output_file(from_path).split("/")[:-1]
    to_parts = output_file(to_path).split("/")
    common = 0
    for a, b in zip(from_parts, to_parts[:-1]):
        if a != b:
            break
        common += 1
    rel = "../" * (len(from_parts) - common) + "/".join(to_parts[common:])
    return quote(rel, safe="/%.-_~") if not rel.isascii() or "%" in rel or " " in rel else rel


def root_url(from_path: str) -> str:
    """The relative URL of the site root folder from a page ('./' or '../../')."""
    from_dir = posixpath.dirname(output_file(from_path))
    depth = len([p for p in from_dir.split("/") if p])
    return "../" * depth or "./"


def absolute_url(base_url: str, path: str) -> str:
    """The absolute URL of a site path (canonical links, feeds); '' when base_url is unset."""
    return base_url + quote(path, safe="/%.-_~") if base_url else ""


def stable_id(base_url: str, path: str) -> str:
    """A permanent identifier (feed entries, EPUB): the absolute URL, or a UUID derived from the path."""
    return absolute_url(base_url, path) or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'newsarchive:' + path)}"


def slugify(text: str, limit: int = MAX_SLUG) -> str:
    """An ASCII slug from Chinese or Latin text: 哈尔滨日报 → ha-er-bin-ri-bao."""
    from pypinyin import Style, lazy_pinyin
    words = lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: [s])
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug or short_hash(text)


class Slugs:
    """slugify, remembering what it made (a build keeps them for the next one: pypinyin takes a
    while to load, and a build that finds every slug known never loads it)."""

    def __init__(self, known: dict[tuple[str, int], str] | None = None):
        self.known = dict(known or {})
        self.added = 0

    def __call__(self, text: str, limit: int = MAX_SLUG) -> str:
        slug = self.known.get((text, limit))
        if slug is None:
            slug = self.known[(text, limit)] = slugify(text, limit)
            self.added += 1
        return slug


def short_hash(text: str) -> str:
    """A stable 6-hex-digit tag of a text, to tell apart names whose slugs collide."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
