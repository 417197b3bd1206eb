"""Citations of an article: GB/T 7714-2015, APA, BibTeX and RIS. Pure functions of the model."""

from __future__ import annotations

import base64
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


def _bib_escape(value: str) -> str:
    return re.sub(r"([{}\\%&$#_^~])", r"\\\1", value)


def cite_key(article: Article) -> str:
    return f"{article.date:%Y%m%d}-{article.slug}"


def bibtex(article: Article, issue: Issue, url: str) -> str:
    """A BibTeX @article entry with the newspaper as journal."""
    d = article.date
    fields = [("author", " and ".join(article.reporters)), ("title", full_title(article)),
              ("journal", issue.paper), ("year", str(d.year)), ("month", str(d.month)), ("day", str(d.day)),
              ("date", d.isoformat()), ("pages", str(article.page or "")), ("url", url), ("language", "chinese")]
    body = ",\n".join(f"  {k} = {{{_bib_escape(v) if k != 'url' else v}}}" for k, v in fields if v)
    return f"@article{{{cite_key(article)},\n{body}\n}}\n"


def ris(article: Article, issue: Issue, url: str) -> str:
    """An RIS record of type NEWS (newspaper article)."""
    lines = [("TY", "NEWS")] + [("AU", name) for name in article.reporters] + [
        ("TI", full_title(article)), ("T2", issue.paper), ("PY", str(article.date.year)),
        ("DA", article.date.strftime("%Y/%m/%d")), ("SP", str(article.page or "")), ("UR", url),
        ("LA", "zh"), ("ER", "")]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines if value or tag == "ER")


def data_uri(text: str, mime: str) -> str:
    """A citation file as a link of its own (data: URI), to download without a file on the site."""
    return f"data:{mime};charset=utf-8;base64,{base64.b64encode(text.encode('utf-8')).decode('ascii')}"


def json_ld(article: Article, issue: Issue, url: str, issue_url: str, language: str) -> dict:
    """schema.org NewsArticle for the article page."""
    alternative = " ".join(p for p in (article.kicker, article.subtitle) if p)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.date.isoformat(),
        "articleSection": article.section,
        "inLanguage": language,
        "author": [{"@type": "Person", "name": name} for name in article.reporters],
        "publisher": {"@type": "Organization", "name": issue.paper},
        "isPartOf": {"@type": "PublicationIssue", "datePublished": issue.date.isoformat(),
                     "isPartOf": {"@type": "Periodical", "name": issue.paper}},
        "keywords": list(article.topics),
    }
    if alternative:
        data["alternativeHeadline"] = alternative
    if article.page:
        data["pageStart"] = str(article.page)
    if issue.number:
        data["isPartOf"]["issueNumber"] = issue.number
    if url:
        data["url"] = data["mainEntityOfPage"] = url
    if issue_url:
        data["isPartOf"]["url"] = issue_url
    return data
