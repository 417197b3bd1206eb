"""Articles and issue files → the Site model, with every collision found before writing."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from dataclasses import replace
from types import MappingProxyType

from . import urls
from .articles import display_path
from .config import Config
from .errors import BuildError, Problem
from .model import KINDS, Article, Issue, IssueMeta, PageGroup, Site, Term


def newest_first(article: Article) -> tuple:
    """Sort key: newest issue first, reading order within an issue."""
    return (-article.date.toordinal(), article.sort_key)


def collect_site(config: Config, articles: list[Article], metas: list[IssueMeta]) -> Site:
    """Gather articles into issues, pages, terms and neighbours; raise BuildError on collisions."""
    problems: list[Problem] = []
    shown = lambda source: display_path(config.content / source)  # noqa: E731

    articles = sorted((a if a.slug else replace(a, slug=urls.slugify(a.title)) for a in articles),
                      key=newest_first)
    if not articles:
        problems.append(Problem(display_path(config.content), "no articles found: expected *.md files with front matter"))

    owners: dict[str, str] = {}  # site path → source that claims it
    for article in articles:
        path = urls.article_path(article)
        if path in owners:
            problems.append(Problem(shown(article.source),
                                    f"URL {path} is also the URL of {shown(owners[path])}: give one a different slug",
                                    field="slug"))
        owners.setdefault(path, article.source)
    for article in articles:
        for alias in article.aliases:
            if alias in owners:
                problems.append(Problem(shown(article.source),
                                        f"alias {alias} collides with the page of {shown(owners[alias])}",
                                        field="aliases"))
            owners.setdefault(alias, article.source)

    meta_by_date: dict[datetime.date, IssueMeta] = {}
    for meta in metas:
        if meta.date in meta_by_date:
            problems.append(Problem(shown(meta.source),
                                    f"a second issue file for {meta.date}: {shown(meta_by_date[meta.date].source)} describes it too"))
        meta_by_date.setdefault(meta.date, meta)
    if problems:
        raise BuildError(problems)

    issues = tuple(make_issue(config, date, tuple(group), meta_by_date.get(date))
                   for date, group in itertools.groupby(articles, key=lambda a: a.date))
    issue_of = {a.source: issue for issue in issues for a in issue.articles}
    neighbours = {}
    for issue in issues:
        seq = issue.articles
        for i, article in enumerate(seq):
            neighbours[article.source] = (seq[i - 1] if i else None, seq[i + 1] if i + 1 < len(seq) else None)
    return Site(
        config=config,
        articles=tuple(articles),
        issues=issues,
        terms=MappingProxyType({kind: make_terms(kind, articles) for kind in KINDS}),
        issue_of=MappingProxyType(issue_of),
        neighbours=MappingProxyType(neighbours),
        years=make_calendar(issues),
    )


def make_issue(config: Config, date: datetime.date, articles: tuple[Article, ...], meta: IssueMeta | None) -> Issue:
    """One issue: its articles in reading order, grouped by page."""
    page_names = meta.page_names if meta else {}
    pages = tuple(
        PageGroup(number, page_names.get(number, ""), tuple(group))
        for number, group in itertools.groupby(articles, key=lambda a: a.page)
    )
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


def make_terms(kind: str, articles: list[Article]) -> tuple[Term, ...]:
    """The terms of one kind in pinyin order, each with its articles newest first."""
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for name in names_of(article, kind):
            members[name].append(article)
    slugs = {name: urls.slugify(name) for name in members}
    taken = defaultdict(list)
    for name, slug in slugs.items():
        taken[slug].append(name)
    for slug, names in taken.items():
        if len(names) > 1:  # e.g. 王冠 and 王官: keep both, told apart by a stable tag
            for name in names:
                slugs[name] = f"{slug}-{urls.short_hash(name)}"
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
