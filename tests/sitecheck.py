"""Walks a built site: every link and asset reference, where it points, whether it resolves."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("form", "action"),
              ("source", "src"), ("iframe", "src"), ("base", "href")}


@dataclass
class Page:
    path: Path
    refs: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attr/rel, value)
    ids: set[str] = field(default_factory=set)
    base: str | None = None
    lang: str | None = None


class _Parser(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page.lang = attrs.get("lang")
        if "id" in attrs:
            self.page.ids.add(attrs["id"])
        if tag == "base" and attrs.get("href"):
            self.page.base = attrs["href"]
            return
        for t, attr in LINK_ATTRS:
            if tag == t and attrs.get(attr) is not None:
                self.page.refs.append((tag, attrs.get("rel") or attr, attrs[attr]))
        if tag == "script" and attrs.get("data-pagefind"):
            self.page.refs.append((tag, "data-pagefind", attrs["data-pagefind"]))


def parse(path: Path) -> Page:
    page = Page(path)
    _Parser(page).feed(path.read_text(encoding="utf-8"))
    return page


def html_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.relative_to(site).parts)


def check_links(site: Path) -> list[str]:
    """Every problem with the links of a built site: broken, root-absolute, external assets."""
    problems = []
    pages = {p: parse(p) for p in html_files(site)}
    for path, page in pages.items():
        rel_page = path.relative_to(site).as_posix()
        for tag, kind, value in page.refs:
            where = f"{rel_page}: <{tag} {kind}={value!r}>"
            parts = urlsplit(value)
            if value.startswith("data:") or parts.scheme in ("mailto",):
                continue
            if parts.scheme or value.startswith("//"):
                if tag == "link" and kind in ("canonical", "alternate"):
                    continue
                problems.append(f"{where}: external reference")
                continue
            if value.startswith("/"):
                problems.append(f"{where}: root-absolute link")
                continue
            if tag == "form" and value == "":
                continue
            if not parts.path:  # same-page fragment
                if parts.fragment and unquote(parts.fragment) not in page.ids:
                    problems.append(f"{where}: no element with id {parts.fragment!r}")
                continue
            target_rel = posixpath.normpath(posixpath.join(posixpath.dirname(rel_page), unquote(parts.path)))
            target = site / target_rel
            if target_rel.startswith("../"):
                problems.append(f"{where}: points outside the site")
            elif target.is_dir():
                problems.append(f"{where}: points to a folder, not a page")
            elif not target.is_file():
                problems.append(f"{where}: broken link ({target_rel} does not exist)")
            elif parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
                problems.append(f"{where}: no element with id {parts.fragment!r} in {target_rel}")
    return problems
