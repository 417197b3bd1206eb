"""Citations of an article: GB/T 7714-2015 and APA (BibTeX and RIS are made in the browser, site.js,
from the citation_* metadata of the page). Pure functions of the model."""

from __future__ import annotations

import re

from .model import Article, Issue

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def full_title(article: Article) -> str:
    """Title with its subtitle as 'other title information' (leading dashes dropped)."""
    subtitle = re.sub(r"^[—–\-－\s]+", "", article.subtitle)
    return f"{article.title}: {subtitle}" if subtitle else article.title


def gbt7714(article: Article, issue: Issue) -> str:
    """GB/T 7714-2015 newspaper article: 作者. 题名[N]. 报纸名, 出版日期(版次).

    Up to three authors, then ', 等'; with no author the entry starts with the title.
    """
    names = list(article.reporters)
    authors = ", ".join(names[:3]) + (", 等" if len(names) > 3 else "")
    page = f"({article.page})" if article.page else ""
    head = f"{authors}. " if authors else ""
    return f"{head}{full_title(article)}[N]. {issue.paper}, {article.date.isoformat()}{page}."


def apa(article: Article, issue: Issue, url: str) -> str:
    """APA 7 newspaper article: Author. (Year, Month Day). Title. Newspaper, page. URL"""
    d = article.date
    authors = ", ".join(article.reporters)
    date = f"({d.year}, {MONTHS[d.month - 1]} {d.day})."
    head = f"{authors}. {date}" if authors else f"{full_title(article)}. {date}"
    title = "" if not authors else f" {full_title(article)}."
    page = f", {article.page}" if article.page else ""
    tail = f" {url}" if url else ""
    return f"{head}{title} {issue.paper}{page}.{tail}"


def cite_key(article: Article) -> str:
    """The key of the article's BibTeX entry and the name of its citation files (made by site.js)."""
    return f"{article.date.isoformat().replace('-', '')}-{article.slug}"


def json_ld(article: Article, issue: Issue, url: str, issue_url: str) -> dict:
    """schema.org NewsArticle for the article page."""
    alternative = " ".join(p for p in (article.kicker, article.subtitle) if p)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.date.isoformat(),
        "articleSection": article.section,
        "publisher": {"@type": "Organization", "name": issue.paper},
        "isPartOf": {"@type": "PublicationIssue", "isPartOf": {"@type": "Periodical", "name": issue.paper}},
    }  # the language is the page's; the issue's date is the article's
    if article.reporters:
        data["author"] = [{"@type": "Person", "name": name} for name in article.reporters]
    if alternative:
        data["alternativeHeadline"] = alternative
    if article.page:
        data["pageStart"] = str(article.page)
    if issue.number:
        data["isPartOf"]["issueNumber"] = issue.number
    if url:
        data["url"] = url
    if issue_url:
        data["isPartOf"]["url"] = issue_url
    return data
