"""Links written in article bodies must land on a page of the site (checked before the site is swapped in)."""

from __future__ import annotations

import html
import posixpath
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import unquote, urlsplit

from . import urls
from .articles import display_path
from .config import Config
from .errors import Problem
from .model import Article


def source_line(path: Path, needle: str) -> int | None:
    """The line of the source file where a link target is written."""
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return number
    except OSError:
        pass
    return None


def broken_body_links(config: Config, articles: Iterable[Article], claims: Mapping[str, object]) -> list[Problem]:
    """Every internal link in an article body that does not resolve to a file of the site."""
    problems = []
    for article in articles:
        if not article.links:
            continue
        page = urls.article_path(article)
        for raw in article.links:
            href = html.unescape(raw)
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("#", "//")) or not href:
                continue
            shown = display_path(config.content / article.source)
            line = source_line(config.content / article.source, href.split("#")[0])
            if href.startswith("/"):
                problems.append(Problem(shown, f"link {href!r} starts with '/': it breaks when the site is published "
                                        "under a sub-path; write it relative to this article", line, "body"))
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(urls.output_file(page)), unquote(parts.path)))
            candidates = (target, target + "/index.html", target.rstrip("/") + "/index.html")
            if target.startswith("../") or not any(c in claims for c in candidates):
                problems.append(Problem(shown, f"link {href!r} leads nowhere: no page {target} in the site", line, "body"))
    return problems
