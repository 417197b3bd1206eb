"""Site model + layouts → rendered pages (site path, HTML). Never touches the output folder."""

from __future__ import annotations

import calendar
import datetime
import functools
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import jinja2
import jinja2.meta
from markupsafe import Markup

from . import cite, iiif, images, urls
from .config import DEFAULT_LAYOUTS, Config
from .digests import code_digest, config_fingerprint, digest_of, layouts_digest
from .errors import BuildError, Problem
from .scans import scan_words
from .search import page as search_page
from .search import records as search_filters
from .model import KINDS, Article, Site, listings

WEEKDAYS = "一二三四五六日"


FEED_LENGTH = 50  # newest articles in each Atom feed


@dataclass(frozen=True)
class Task:
    """A piece of rendering: its pages, and a signature of all they show (None: render every time)."""

    key: str
    signature: str | None
    render: Callable[[], list[RenderedPage]]


_INDENT = re.compile(r"\n[ \t]*(?:\n[ \t]*)*(?=<)")  # line breaks, indentation and blank lines before a tag


@dataclass(frozen=True)
class RenderedPage:
    """One output file (HTML, XML, text or binary)."""

    path: str
    content: str | bytes


def make_environment(config: Config, compiled: Path | None = None) -> jinja2.Environment:
    """Jinja2 environment: the user's layouts first, then the built-in ones. `compiled`: a folder
    keeping the layouts compiled (by Jinja2, checked against each layout's text), for a build that
    renders a few pages not to spend half a second compiling them again."""
    folders = [config.layouts] + ([DEFAULT_LAYOUTS] if config.layouts != DEFAULT_LAYOUTS else [])
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None,
        autoescape=jinja2.select_autoescape(["html", "xml", "xhtml", "opf"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build reads each layout once: no checking its file before every page
    )
    env.globals.update(url=_url, abs_url=_abs_url, link_url=_link_url, month_grid=month_grid, weekdays=WEEKDAYS,
                       kinds=KINDS, cn_date=cn_date, feed_path=urls.feed_path, archive_year=urls.archive_year_path,
                       stable_id=_stable_id, cite=cite, site_paths=urls.PATHS, kind_path=urls.kind_path,
                       search_settings=search_page.settings, page_view=urls.page_view_path,
                       clipping=urls.clipping_path, issue_manifest=urls.issue_manifest_path)
    env.filters.update(cn_date=cn_date, json=_json, stamp=_stamp)
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
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def cn_date(date: datetime.date) -> str:
    """2024年2月2日"""
    return f"{date.year}年{date.month}月{date.day}日"


def month_grid(year: int, month: int) -> list[list[int]]:
    """Weeks (Monday first) of a month; 0 for days outside it."""
    return calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)


class Renderer:
    """Renders every page of a Site with the layouts."""

    def __init__(self, site: Site, reads_site: dict[str, bool] | None = None, compiled: Path | None = None):
        """`reads_site`: what the last build found of these layouts (see `reads_site`); `compiled`:
        see make_environment."""
        self.site = site
        self.env = make_environment(site.config, compiled)
        lookup = {(kind, t.name): t for kind, terms in site.terms.items() for t in terms}
        self.env.globals.update(term_for=lambda kind, name: lookup[(kind, name)], term_page=urls.term_path)
        self._issue_digests: dict = {}
        self.layout_reads: dict[str, bool] = dict(reads_site or {})
        self._reads_any: dict[tuple[str, ...], bool] = {}

    def page(self, template: str, path: str, **context) -> RenderedPage:
        return RenderedPage(path, self.text(template, path, **context))

    def text(self, template: str, path: str, **context) -> str:
        """Render one template for the file at site path `path`; errors name template and line."""
        config = self.site.config
        try:
            text = self.env.get_template(template).render(
                site=self.site, config=config, page_path=path, root=urls.root_url(path),
                canonical=urls.absolute_url(config.base_url, path), **context)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError([Problem(exc.filename or exc.name or template, f"template error: {exc.message}", exc.lineno)])
        except jinja2.TemplateError as exc:
            name, line = template_location(exc, template)
            raise BuildError([Problem(name, f"template error: {exc}", line)])
        # The layouts' indentation and blank lines, multiplied by 100,000 pages, are megabytes.
        return _INDENT.sub("\n", text) if template.endswith(".html") and "<pre" not in text else text

    def article(self, article: Article) -> list[RenderedPage]:
        """The article page."""
        previous, following = self.site.neighbours[article.source]
        issue = self.site.issue_of[article.source]
        path = urls.article_path(article)
        printed = next((p for p in issue.pages if p.number == article.page and p.scan), None) if article.regions else None
        return [RenderedPage(path, self.text("article.html", path, article=article, issue=issue, previous=previous,
                                             following=following, printed=printed))]

    def all_pages(self) -> Iterator[RenderedPage]:
        """Every file of the site but the service worker, articles first."""
        for task in self.tasks():
            yield from task.render()

    def tasks(self) -> list[Task]:
        """The work of rendering, in independent pieces (for several processes), articles first.

        Each piece has a signature: a hash of everything its pages show, so that a later build can
        keep the pages of a piece whose signature did not change (see `signature`)."""
        return [*self.article_tasks(), *self.issue_tasks(), *self.scan_tasks(), *self.year_tasks(), *self.term_tasks(),
                *self.fixed_tasks()]

    def article_tasks(self) -> list[Task]:
        """An article's page and the redirects of its aliases."""
        site, tasks = self.site, []
        for article in site.articles:
            tasks.append(Task(f"article {article.source}", self.signature(
                "article", article.source, self.issue_digest(site.issue_of[article.source]),
                templates=("article.html", "redirect.html")),
                lambda article=article: self.article(article) + [
                    self.page("redirect.html", alias, target=article) for alias in article.aliases]))
        return tasks

    def issue_tasks(self) -> list[Task]:
        issues, tasks = self.site.issues, []
        for i, issue in enumerate(issues):
            newer = issues[i - 1] if i else None
            older = issues[i + 1] if i + 1 < len(issues) else None
            tasks.append(Task(f"issue {issue.date}", self.signature(
                "issue", self.issue_digest(issue), str(newer and newer.date), str(older and older.date),
                templates=("issue.html",)),
                lambda issue=issue, newer=newer, older=older: [
                    self.page("issue.html", urls.issue_path(issue.date), issue=issue, newer=newer, older=older)]))
        return tasks

    def scan_tasks(self) -> list[Task]:
        """A view of each scanned page, and each issue's IIIF manifest."""
        tasks = []
        for issue in self.site.issues:
            scanned = issue.scanned
            if not scanned:
                continue
            shown = self.issue_digest(issue)
            for i, page in enumerate(scanned):
                before = scanned[i - 1] if i else None
                after = scanned[i + 1] if i + 1 < len(scanned) else None
                tasks.append(Task(f"page view {page.scan.source}", self.signature(
                    "page view", shown, page.scan.ocr_digest, str(before and before.number), str(after and after.number),
                    templates=("page.html",)),
                    lambda issue=issue, page=page, before=before, after=after: [
                        self.page_view(issue, page, before, after)]))
            config = self.site.config
            tasks.append(Task(f"iiif {issue.date}", self.signature("iiif", shown), lambda issue=issue: [RenderedPage(
                urls.issue_manifest_path(issue.date), iiif.manifest(issue, config.base_url, issue.paper or config.title,
                                                                    config.language))]))
        return tasks

    def page_view(self, issue, page, before, after) -> RenderedPage:
        """A printed page: its scan, its articles' regions, the words the OCR read on it."""
        scan, path = page.scan, urls.page_view_path(issue.date, page.number)
        words = scan_words(self.site.config.content / scan.ocr) if scan.ocr else []
        data = {"width": scan.width, "height": scan.height, "tiles": images.info(scan, ""), "words": words,
                "regions": [{"href": urls.relative_url(path, urls.article_path(a)), "title": a.full_title, "id": a.slug,
                             "boxes": [list(b) for b in a.regions]} for a in page.articles if a.regions]}
        return self.page("page.html", path, issue=issue, page=page, before=before, after=after, data=data)

    def year_tasks(self) -> list[Task]:
        """A year of the archive: its calendar and issues."""
        years, tasks = self.site.years, []
        for i, (year, months) in enumerate(years):
            newer = years[i - 1][0] if i else None
            older = years[i + 1][0] if i + 1 < len(years) else None
            shows = [f"{issue.date}:{len(issue.articles)}" for _, issues in months for issue in issues]
            tasks.append(Task(f"archive {year}", self.signature(
                "archive", str(year), str(newer), str(older), *shows, templates=("archive_year.html",)),
                lambda year=year, months=months, newer=newer, older=older: [
                    self.page("archive_year.html", urls.archive_year_path(year), year=year, months=months,
                              newer=newer, older=older)]))
        return tasks

    def term_tasks(self) -> list[Task]:
        """The index of each kind of term, each term's list pages and feed."""
        site, tasks = self.site, []
        for kind, terms in site.terms.items():
            tasks.append(Task(f"terms {kind}", None,
                              lambda kind=kind, terms=terms: [self.page("terms.html", urls.kind_path(kind), kind=kind, terms=terms)]))
            for term in terms:
                path = urls.path_of(term)
                for listing in listings(term, site.config.per_page):
                    # the first page shows the count; an older page only its articles and neighbours
                    shows = ((len(term.articles), listing.count) if listing.number == 1 else (listing.newer, listing.older))
                    tasks.append(Task(f"term {kind} {term.name} {listing.number}", self.signature(
                        "term", kind, term.name, path, str(listing.number), str(shows),
                        *(self.views[a.source] for a in listing.articles), templates=("term.html",)),
                        lambda listing=listing: [self.page("term.html", urls.path_of(listing), listing=listing, term=listing.term)]))
                if kind != "reporters":
                    newest = term.articles[:FEED_LENGTH]
                    tasks.append(Task(f"feed {kind} {term.name}", self.signature(
                        "feed", kind, term.name, path, *(self.views[a.source] for a in newest), templates=("atom.xml",)),
                        lambda term=term: [self.feed(term.articles, urls.feed_path(term), term=term)]))
        return tasks

    def fixed_tasks(self) -> list[Task]:
        """The headlines for the search from disk, and the pages and files every site has."""
        site, issues, tasks = self.site, self.site.issues, []
        # every headline, for the search from disk: 100,000 rows, made again only when one changed
        tasks.append(Task("headlines", self.signature("headlines", *(a.headline_digest or repr(a) for a in site.articles)),
                          lambda: [RenderedPage(urls.HEADLINES, headlines_script(site))]))
        tasks.append(Task("site", None, lambda: [
            self.page("home.html", urls.HOME, issue=issues[0] if issues else None),
            self.page("archive.html", urls.ARCHIVE),
            self.page("search.html", urls.SEARCH),
            self.page("saved.html", urls.SAVED),
            self.page("404.html", urls.NOT_FOUND),
            self.feed(site.articles, urls.FEED),
            self.page("manifest.webmanifest", urls.MANIFEST),
            self.page("robots.txt", urls.ROBOTS),
            RenderedPage(urls.FILTERS, filter_counts(site)),
        ] + ([self.page("sitemap.xml", urls.SITEMAP, paths=list(self.sitemap_paths()))]
             if site.config.base_url else [])))  # a sitemap lists absolute URLs only
        return tasks

    # What a page shows, as hashes. The model is a function of the files, the settings and the code
    # (`base`); an article shows in other pages through its `view` (its file, URL and the URLs of its
    # section, topics and reporters). A layout that reads `site` depends on everything.

    def signature(self, *parts: str, templates: tuple[str, ...] = ()) -> str:
        reads = self._reads_any.get(templates)
        if reads is None:
            reads = self._reads_any[templates] = any(self.reads_site(t) for t in templates)
        if reads:
            parts += (self.site_digest,)
        return digest_of(self.base, *parts)

    @functools.cached_property
    def base(self) -> str:
        config = self.site.config
        return digest_of(code_digest(), layouts_digest(config), config_fingerprint(config))

    @functools.cached_property
    def views(self) -> dict[str, str]:
        site = self.site
        term_path = {(t.kind, t.name): urls.path_of(t) for terms in site.terms.values() for t in terms}
        return {a.source: digest_of(a.digest or repr(a), urls.article_path(a), term_path[("sections", a.section)],
                                    *(term_path[("reporters", n)] for n in a.reporters),
                                    *(term_path[("topics", n)] for n in a.topics))
                for a in site.articles}

    def issue_digest(self, issue) -> str:
        """An issue's details and every article in it: all an article page can show of its issue."""
        found = self._issue_digests.get(issue.date)
        if found is None:
            meta = json.dumps([issue.paper, issue.number, issue.note,
                               [(p.number, p.name, p.scan and (p.scan.digest, p.scan.width, p.scan.height))
                                for p in issue.pages],
                               dict(issue.extra)], ensure_ascii=False, sort_keys=True, default=str)
            found = self._issue_digests[issue.date] = digest_of(
                str(issue.date), meta, *(self.views[a.source] for a in issue.articles))
        return found

    @functools.cached_property
    def site_digest(self) -> str:
        return digest_of(*(self.issue_digest(issue) for issue in self.site.issues))

    def reads_site(self, name: str) -> bool:
        """Whether a layout (or one it extends, includes or imports) reads the variable `site`."""
        if name not in self.layout_reads:
            self.layout_reads[name] = True  # (a template that includes itself)
            source = self.env.loader.get_source(self.env, name)[0]
            ast = self.env.parse(source)
            self.layout_reads[name] = "site" in jinja2.meta.find_undeclared_variables(ast) or any(
                ref is None or self.reads_site(ref) for ref in jinja2.meta.find_referenced_templates(ast))
        return self.layout_reads[name]

    def feed(self, articles: tuple[Article, ...], path: str, term=None) -> RenderedPage:
        newest = articles[:FEED_LENGTH]
        return self.page("atom.xml", path, articles=newest, term=term,
                         updated=max((a.date for a in newest), default=datetime.date(1970, 1, 1)))

    def sitemap_paths(self) -> Iterator[str]:
        site = self.site
        yield from (urls.HOME, urls.ARCHIVE, urls.SEARCH)
        yield from (urls.archive_year_path(year) for year, _ in site.years)
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
    issue_of, counts = site.issue_of, {key: {} for key, _ in search_filters.FILTERS}
    pairs = Counter(itertools.chain.from_iterable(search_filters.filter_values(a, issue_of[a.source])
                                                  for a in site.articles))  # counted in C: 0.5 s less at 100k
    for (key, value), count in sorted(pairs.items()):
        counts[key][value] = count
    return json.dumps({k: v for k, v in counts.items() if v}, ensure_ascii=False, separators=(",", ":"))


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
