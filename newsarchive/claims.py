"""Every file of the site and what owns it: one map, made with the model and checked before
anything is rendered, so that `check` and `build` refuse the same collisions, naming the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import urls
from .errors import Problem
from .model import KINDS, Article, Issue, Term, listings

FIXED = (urls.HOME, urls.ARCHIVE, urls.SEARCH, urls.SAVED, urls.NOT_FOUND, urls.FEED, urls.SITEMAP, urls.ROBOTS,
         urls.MANIFEST, urls.SERVICE_WORKER, urls.HEADLINES, urls.VARIANTS, urls.FILTERS, urls.NOJEKYLL, urls.MARKER)
RESERVED = (urls.PAGEFIND, "static/")  # folders the build fills (the search index; layouts' static files)


@dataclass(frozen=True)
class Owner:
    """What writes an output file: a kind of page, and the content file it comes from, if any."""

    what: str  # page (an article), alias, issue page, archive page, list page, feed, fixed page, static file
    source: str = ""  # the content file (relative to the content folder)
    field: str = ""  # its front-matter field that asks for the path

    def describe(self, shown) -> str:
        return f"the {self.what} of {shown(self.source)}" if self.source else f"the site's {self.what}"


def claim_site(articles: Iterable[Article], issues: Iterable[Issue], years: Iterable[int],
               terms: dict[str, tuple[Term, ...]], per_page: int, static: Iterable[str],
               shown) -> tuple[dict[str, Owner], list[Problem]]:
    """The map of output file → owner, and a problem for each path two owners want (naming both
    files) or that lands on or inside a file or folder the build writes itself."""
    claims: dict[str, Owner] = {}
    problems: list[Problem] = []

    def claim(path: str, owner: Owner) -> None:
        file = urls.output_file(path)
        other = claims.get(file)
        if other is None:
            claims[file] = owner
        elif owner.what == "alias":
            problems.append(Problem(shown(owner.source), f"alias {path} collides with {other.describe(shown)}",
                                    field=owner.field))
        else:
            problems.append(Problem(shown(owner.source), f"URL {path} is also the URL of {other.describe(shown)}: "
                                    "give one a different slug", field=owner.field))

    for path in FIXED:
        claim(path, Owner("fixed page"))
    for path in static:
        claim(path, Owner("static file"))
    for kind in KINDS:
        claim(urls.kind_path(kind), Owner("fixed page"))
    for issue in issues:
        claim(urls.issue_path(issue.date), Owner("issue page"))
        claim_scans(issue, claim)
    for year in years:
        claim(urls.archive_year_path(year), Owner("archive page"))
    for kind, kind_terms in terms.items():
        for term in kind_terms:
            for listing in listings(term, per_page):
                claim(urls.path_of(listing), Owner("list page"))
            if kind != "reporters":
                claim(urls.feed_path(term), Owner("feed"))
    articles = list(articles)
    for article in articles:
        claim(urls.article_path(article), Owner("page", article.source, "slug"))
        for n in range(1, len(article.regions) + 1):
            claim(urls.clipping_path(article, n), Owner("clipping", article.source, "regions"))
    for article in articles:
        for alias in article.aliases:
            owner = Owner("alias", article.source, "aliases")
            claim(alias, owner)
            problem = inside_a_file(alias, claims, owner, shown)
            if problem:
                problems.append(problem)
    return claims, problems


def claim_scans(issue: Issue, claim) -> None:
    """An issue's printed pages: each scanned page's view and image files, the IIIF manifest."""
    from .images import tile_names
    scanned = issue.scanned
    if scanned:
        claim(urls.issue_manifest_path(issue.date), Owner("IIIF manifest"))
    for page in scanned:
        scan, view = page.scan, urls.page_view_path(issue.date, page.number)
        owner = Owner("page view", scan.source)
        claim(view, owner)
        for name in (urls.SCAN_IMAGE, urls.THUMBNAIL, urls.TILES + "info.json"):
            claim(view + name, owner)
        for name, _, _ in tile_names(scan.width, scan.height):
            claim(view + urls.TILES + name, owner)


def inside_a_file(alias: str, claims: dict[str, Owner], owner: Owner, shown) -> Problem | None:
    """An alias under a folder the build fills, or whose folder is a file of the site (feed.xml/)."""
    file = urls.output_file(alias)
    if file.startswith(RESERVED):
        return Problem(shown(owner.source), f"alias {alias} is inside {file.split('/')[0]}/, which the build "
                       "writes itself", field=owner.field)
    parts = file.split("/")
    for n in range(1, len(parts)):
        folder = "/".join(parts[:n])
        if folder in claims:
            return Problem(shown(owner.source), f"alias {alias} needs a folder {folder}/, but {folder} is "
                           f"{claims[folder].describe(shown)}", field=owner.field)
    return None


SCAN_ASSETS = "static/scans/"  # layouts/scans/: the page view's script, style and viewer (OpenSeadragon)


def static_files(layouts: Path, default_layouts: Path, scans: bool = False) -> dict[str, Path]:
    """Static assets by site path: the built-in ones, overridden by the user's layouts/static; and,
    in an archive with scans, those of the page views (layouts/scans/ → static/scans/)."""
    files: dict[str, Path] = {}
    folders = [(default_layouts / "static", "static/"), (layouts / "static", "static/")]
    if scans:
        folders += [(default_layouts / "scans", SCAN_ASSETS), (layouts / "scans", SCAN_ASSETS)]
    for folder, prefix in dict.fromkeys(folders):
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                files[prefix + file.relative_to(folder).as_posix()] = file
    return files
