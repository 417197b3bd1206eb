"""Articles and issue files → the Site model, with every collision found before writing."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable

from . import urls
from .articles import display_path, field_line
from .claims import claim_site, static_files
from .config import DEFAULT_LAYOUTS, Config
from .errors import BuildError, Problem
from .linkcheck import broken_body_links
from .model import KINDS, Article, Issue, IssueMeta, PageGroup, Scan, Site, Term


def newest_first(article: Article) -> tuple:
    """Sort key: newest issue first, reading order within an issue."""
    return (-article.date.toordinal(), article.sort_key)


def collect_site(config: Config, articles: list[Article], metas: list[IssueMeta],
                 problems: Iterable[Problem] = (), slugify: Callable[[str], str] = urls.slugify,
                 scans: Iterable[Scan] = ()) -> Site:
    """Gather articles into issues, pages, terms and neighbours, and claim every output file.

    Raises BuildError with every problem at once: those passed in (files that did not parse),
    URL collisions, links in bodies that lead nowhere. `slugify` makes the slugs of titles and
    names (a build passes one that remembers them). `scans`: the printed pages' scans, each shown
    with its issue's page."""
    problems = list(problems)
    shown = lambda source: display_path(config.content / source) if source else ""  # noqa: E731

    articles = sorted((a if a.slug else replace(a, slug=slugify(a.title)) for a in articles),
                      key=newest_first)
    if not articles and not problems:
        problems.append(Problem(display_path(config.content), "no articles found: expected *.md files with front matter"))
    meta_by_date: dict[datetime.date, IssueMeta] = {}
    for meta in metas:
        if meta.date in meta_by_date:
            problems.append(Problem(shown(meta.source),
                                    f"a second issue file for {meta.date}: {shown(meta_by_date[meta.date].source)} describes it too"))
        meta_by_date.setdefault(meta.date, meta)
    scans_of = scans_by_date(scans, {a.date for a in articles}, shown, warnings := [], problems)
    issues = tuple(make_issue(config, date, tuple(group), meta_by_date.get(date), scans_of.get(date, {}))
                   for date, group in itertools.groupby(articles, key=lambda a: a.date))
    problems += regions_without_scan(issues, shown)
    terms = {kind: make_terms(kind, articles, shown, warnings, slugify) for kind in KINDS}
    years = make_calendar(issues)
    claims, collisions = claim_site(articles, issues, [year for year, _ in years], terms, config.per_page,
                                    static_files(config.layouts, DEFAULT_LAYOUTS, any(i.scanned for i in issues)), shown)
    problems += [with_line(config, p) for p in collisions]
    problems += broken_body_links(config, articles, claims)
    if problems:
        raise BuildError(problems)
    issue_of = {a.source: issue for issue in issues for a in issue.articles}
    neighbours = {}
    for issue in issues:
        seq = issue.articles
        for i, article in enumerate(seq):
            neighbours[article.source] = (seq[i - 1] if i else None, seq[i + 1] if i + 1 < len(seq) else None)
    warnings += [w for item in (*articles, *metas) for w in item.warnings]
    return Site(
        config=config,
        articles=tuple(articles),
        issues=issues,
        terms=MappingProxyType(terms),
        issue_of=MappingProxyType(issue_of),
        neighbours=MappingProxyType(neighbours),
        years=years,
        claims=MappingProxyType(claims),
        warnings=tuple(sorted(warnings, key=lambda p: (p.path, p.line or 0, p.field or ""))),
    )


def with_line(config: Config, problem: Problem) -> Problem:
    """A problem about a front-matter field, with the field's line in its file."""
    if problem.line is not None or not problem.field:
        return problem
    return replace(problem, line=field_line(Path(problem.path), problem.field))


def scans_by_date(scans: Iterable[Scan], dates: set, shown, warnings: list[Problem], problems: list[Problem]) -> dict:
    """date → page → its scan; a scan of a day without articles is left out, with a warning; two
    scans of one page are a problem."""
    out: dict = {}
    for scan in scans:
        if scan.date not in dates:
            warnings.append(Problem(shown(scan.source), f"a scan of {scan.date}, which has no articles: not shown"))
        elif scan.page in out.setdefault(scan.date, {}):
            problems.append(Problem(shown(scan.source), f"a second scan of page {scan.page}: "
                                    f"{shown(out[scan.date][scan.page].source)} is one too (keep one)"))
        else:
            out[scan.date][scan.page] = scan
    return out


def regions_without_scan(issues, shown) -> list[Problem]:
    """An article that says where it is printed must be on a page with a scan, inside it."""
    problems = []
    for issue in issues:
        for group in issue.pages:
            for a in group.articles:
                if not a.regions:
                    continue
                if group.scan is None:
                    problems.append(Problem(shown(a.source), f"regions on page {a.page}, which has no scan "
                                            f"(pages/{a.page}.jpg or .png in the issue folder)", field="regions"))
                elif any(x + w > group.scan.width or y + h > group.scan.height for x, y, w, h in a.regions):
                    problems.append(Problem(shown(a.source), f"a region reaches outside the scan "
                                            f"({group.scan.width}×{group.scan.height} pixels)", field="regions"))
    return problems


def make_issue(config: Config, date: datetime.date, articles: tuple[Article, ...], meta: IssueMeta | None,
               scans: dict | None = None) -> Issue:
    """One issue: its articles in reading order, grouped by page; each page with its scan, and a
    scanned page without articles as a page too."""
    page_names = meta.page_names if meta else {}
    scans = scans or {}
    groups = {number: tuple(group) for number, group in itertools.groupby(articles, key=lambda a: a.page)}
    for number in scans:
        groups.setdefault(number, ())
    order = sorted(groups, key=lambda n: (n is None, n or 0))
    pages = tuple(PageGroup(number, page_names.get(number, ""), groups[number], scans.get(number)) for number in order)
    return Issue(
        date=date,
        paper=(meta.paper if meta and meta.paper else config.paper),
        number=meta.number if meta else "",
        note=meta.note if meta else "",
        pages=pages,
        articles=articles,
        extra=meta.extra if meta else MappingProxyType({}),
    )


def names_of(article: Article, kind: str) -> tuple[str, ...]:
    """The names an article files under for a kind of term."""
    if kind == "sections":
        return (article.section,)
    return article.topics if kind == "topics" else article.reporters


def make_terms(kind: str, articles: list[Article], shown, warnings: list[Problem],
               slugify: Callable[[str], str] = urls.slugify) -> tuple[Term, ...]:
    """The terms of one kind in pinyin order, each with its articles newest first.

    A term's URL stays put: of names with the same pinyin (张伟, 章炜), the one printed first keeps
    the plain slug and each later one gets a stable tag, so a new name never moves an old page.
    Names that differ only in case (Li, li) are reported: most likely one term spelled two ways."""
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for name in names_of(article, kind):
            members[name].append(article)
    first_printed = {name: (group[-1].date, group[-1].source, name) for name, group in members.items()}
    taken = defaultdict(list)
    for name in members:
        taken[slugify(name)].append(name)
    slugs = {}
    for slug, names in taken.items():
        names.sort(key=first_printed.get)
        slugs[names[0]] = slug
        for name in names[1:]:  # e.g. 王冠 and 王官: both kept, the later told apart by a stable tag
            slugs[name] = f"{slug}-{urls.short_hash(name)}"
        by_case = defaultdict(list)
        for name in names:
            by_case[name.casefold()].append(name)
        for same in (group for group in by_case.values() if len(group) > 1):
            later = members[same[1]][-1]
            warnings.append(Problem(shown(later.source), f"{KINDS[kind][1]} {same[1]!r} differs only in case from "
                                    f"{same[0]!r} ({shown(members[same[0]][-1].source)}): two pages, "
                                    f"{kind}/{slugs[same[0]]}/ and {kind}/{slugs[same[1]]}/; write one spelling",
                                    field=KINDS[kind][0]))
    return tuple(Term(kind, name, slugs[name], tuple(members[name]))
                 for name in sorted(members, key=lambda n: (slugs[n], n)))  # pinyin order


def make_calendar(issues: tuple[Issue, ...]) -> tuple:
    """((year, ((month, (issue, …)), …)), …), newest year and month first, days ascending."""
    years = []
    for year, in_year in itertools.groupby(issues, key=lambda i: i.date.year):
        months = []
        for month, in_month in itertools.groupby(in_year, key=lambda i: i.date.month):
            months.append((month, tuple(sorted(in_month, key=lambda i: i.date))))
        years.append((year, tuple(months)))
    return tuple(years)
