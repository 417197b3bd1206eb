"""Site model + layouts → rendered pages (site path, HTML). Never touches the output folder."""

from __future__ import annotations

import calendar
import datetime
import json
from dataclasses import dataclass
from typing import Callable, Iterator

import jinja2
from markupsafe import Markup

from . import cite, urls
from .body import strip_anchor_links
from .config import DEFAULT_LAYOUTS, Config
from .errors import BuildError, Problem
from .epub import make_epub
from .model import KINDS, Article, Listing, Site, Term

WEEKDAYS = "一二三四五六日"


FEED_LENGTH = 50  # newest articles in each Atom feed


@dataclass(frozen=True)
class RenderedPage:
    """One output file (HTML, XML, text or binary)."""

    path: str
    content: str | bytes
    source: str = ""  # the article an article page shows: it feeds the search index


def make_environment(config: Config) -> jinja2.Environment:
    """Jinja2 environment: the user's layouts first, then the built-in ones."""
    folders = [config.layouts] + ([DEFAULT_LAYOUTS] if config.layouts != DEFAULT_LAYOUTS else [])
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        autoescape=jinja2.select_autoescape(["html", "xml", "xhtml", "opf"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(url=_url, abs_url=_abs_url, link_url=_link_url, month_grid=month_grid, weekdays=WEEKDAYS,
                       kinds=KINDS, cn_date=cn_date, feed_path=urls.feed_path, cite_path=urls.cite_path,
                       epub_path=urls.epub_path, stable_id=_stable_id, cite=cite)
    env.filters.update(cn_date=cn_date, json=_json, strip_anchors=strip_anchor_links, stamp=_stamp)
    return env


@jinja2.pass_context
def _url(context, target: object) -> str:
    """Relative URL from the page being rendered to a model object or site path."""
    return urls.relative_url(context["page_path"], urls.path_of(target))


@jinja2.pass_context
def _abs_url(context, target: object) -> str:
    return urls.absolute_url(context["config"].base_url, urls.path_of(target))


@jinja2.pass_context
def _link_url(context, target: object) -> str:
    """Absolute when base_url is set (feeds, canonical-like links), else relative."""
    return _abs_url(context, target) or _url(context, target)


@jinja2.pass_context
def _stable_id(context, target: object) -> str:
    return urls.stable_id(context["config"].base_url, urls.path_of(target))


@jinja2.pass_context
def _stamp(context, date: datetime.date) -> str:
    """An RFC 3339 timestamp for a date, at midnight in the archive's time zone."""
    return f"{date.isoformat()}T00:00:00{context['config'].timezone}"


def _json(value: object) -> Markup:
    """JSON for a <script> block, safe against '</script>' in the data."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def cn_date(date: datetime.date) -> str:
    """2024年2月2日"""
    return f"{date.year}年{date.month}月{date.day}日"


def month_grid(year: int, month: int) -> list[list[int]]:
    """Weeks (Monday first) of a month; 0 for days outside it."""
    return calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)


def listings(term: Term, per_page: int) -> list[Listing]:
    """A term's articles cut into pages of per_page."""
    chunks = [term.articles[i:i + per_page] for i in range(0, len(term.articles), per_page)] or [()]
    return [Listing(term, n, len(chunks), chunk) for n, chunk in enumerate(chunks, 1)]


class Renderer:
    """Renders every page of a Site with the layouts."""

    def __init__(self, site: Site):
        self.site = site
        self.env = make_environment(site.config)
        lookup = {(kind, t.name): t for kind, terms in site.terms.items() for t in terms}
        self.env.globals.update(term_for=lambda kind, name: lookup[(kind, name)], term_page=urls.term_path)

    def page(self, template: str, path: str, **context) -> RenderedPage:
        return RenderedPage(path, self.text(template, path, **context))

    def text(self, template: str, path: str, **context) -> str:
        """Render one template for the file at site path `path`; errors name template and line."""
        config = self.site.config
        try:
            return self.env.get_template(template).render(
                site=self.site, config=config, page_path=path, root=urls.root_url(path),
                canonical=urls.absolute_url(config.base_url, path), **context)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError([Problem(exc.filename or exc.name or template, f"template error: {exc.message}", exc.lineno)])
        except jinja2.TemplateError as exc:
            name, line = template_location(exc, template)
            raise BuildError([Problem(name, f"template error: {exc}", line)])

    def article(self, article: Article) -> list[RenderedPage]:
        """The article page and its citation files."""
        previous, following = self.site.neighbours[article.source]
        issue = self.site.issue_of[article.source]
        url = urls.absolute_url(self.site.config.base_url, urls.article_path(article))
        path = urls.article_path(article)
        return [
            RenderedPage(path, self.text("article.html", path, article=article, issue=issue, previous=previous,
                                         following=following), source=article.source),
            RenderedPage(urls.cite_path(article, "bib"), cite.bibtex(article, issue, url)),
            RenderedPage(urls.cite_path(article, "ris"), cite.ris(article, issue, url)),
        ]

    def all_pages(self) -> Iterator[RenderedPage]:
        """Every file of the site but the service worker, articles first."""
        for task in self.tasks():
            yield from task()

    def tasks(self) -> list[Callable[[], list[RenderedPage]]]:
        """The work of rendering, in independent pieces (for several processes), articles first."""
        site, tasks = self.site, []
        for article in site.articles:
            tasks.append(lambda article=article: self.article(article) + [
                self.page("redirect.html", alias, target=article) for alias in article.aliases])
        issues = site.issues
        for i, issue in enumerate(issues):
            newer = issues[i - 1] if i else None
            older = issues[i + 1] if i + 1 < len(issues) else None
            tasks.append(lambda issue=issue, newer=newer, older=older: [
                self.page("issue.html", urls.issue_path(issue.date), issue=issue, newer=newer, older=older),
                RenderedPage(urls.epub_path(issue), make_epub(self, issue))])
        for kind, terms in site.terms.items():
            tasks.append(lambda kind=kind, terms=terms: [self.page("terms.html", urls.kind_path(kind), kind=kind, terms=terms)])
            for term in terms:
                tasks.append(lambda term=term: self.term_pages(term))
        tasks.append(lambda: [
            self.page("home.html", urls.HOME, issue=issues[0] if issues else None),
            self.page("archive.html", urls.ARCHIVE),
            self.page("search.html", urls.SEARCH),
            self.page("saved.html", urls.SAVED),
            self.page("404.html", urls.NOT_FOUND),
            self.feed(site.articles, urls.FEED),
            self.page("manifest.webmanifest", urls.MANIFEST),
            self.page("robots.txt", urls.ROBOTS),
            RenderedPage(urls.HEADLINES, headlines_script(site)),
            RenderedPage(urls.FILTERS, filter_counts(site)),
        ] + ([self.page("sitemap.xml", urls.SITEMAP, paths=list(self.sitemap_paths()))]
             if site.config.base_url else []))  # a sitemap lists absolute URLs only
        return tasks

    def term_pages(self, term: Term) -> list[RenderedPage]:
        """A section's, topic's or reporter's list pages, and (but for reporters) its feed."""
        pages = [self.page("term.html", urls.path_of(listing), listing=listing, term=term)
                 for listing in listings(term, self.site.config.per_page)]
        if term.kind != "reporters":
            pages.append(self.feed(term.articles, urls.feed_path(term), term=term))
        return pages

    def feed(self, articles: tuple[Article, ...], path: str, term=None) -> RenderedPage:
        newest = articles[:FEED_LENGTH]
        return self.page("atom.xml", path, articles=newest, term=term,
                         updated=max((a.date for a in newest), default=datetime.date(1970, 1, 1)))

    def sitemap_paths(self) -> Iterator[str]:
        site = self.site
        yield from (urls.HOME, urls.ARCHIVE, urls.SEARCH)
        yield from (urls.issue_path(i.date) for i in site.issues)
        yield from (urls.article_path(a) for a in site.articles)
        for kind, terms in site.terms.items():
            yield urls.kind_path(kind)
            for term in terms:
                yield from (urls.path_of(listing) for listing in listings(term, site.config.per_page))

    def service_worker(self, version: str) -> RenderedPage:
        """sw.js, rendered last: its version is a hash of every other file of the build."""
        return self.page("sw.js", urls.SERVICE_WORKER, version=version)


def filter_counts(site: Site) -> str:
    """search/filters.json: each search filter's values and their article counts, as Pagefind
    would report them, for the search page to show before any index is loaded."""
    counts: dict[str, dict[str, int]] = {"section": {}, "year": {}, "reporter": {}, "topic": {}}
    for a in site.articles:
        for key, values in (("section", [a.section]), ("year", [str(a.date.year)]),
                            ("reporter", a.reporters), ("topic", a.topics)):
            for value in values:
                counts[key][value] = counts[key].get(value, 0) + 1
    return json.dumps({k: dict(sorted(v.items())) for k, v in counts.items() if v}, ensure_ascii=False,
                      separators=(",", ":"))


def headlines_script(site: Site) -> str:
    """search/headlines.js: every headline, for the search that works from disk (file://)."""
    rows = [[urls.article_path(a), a.date.isoformat(), a.kicker, a.title, a.subtitle, "、".join(a.reporters),
             a.section, a.page or ""] for a in site.articles]
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.ARCHIVE_HEADLINES={data};\n"


def template_location(exc: Exception, fallback: str) -> tuple[str, int | None]:
    """The template file and line a rendering error came from (Jinja2 rewrites tracebacks so)."""
    name, line, tb = fallback, None, exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml")):
            name, line = filename, tb.tb_lineno
        tb = tb.tb_next
    return name, line
