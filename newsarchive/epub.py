"""An issue as an EPUB 3 file: its articles in page order, with its metadata. Built in memory."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

from . import urls
from .model import Issue

if TYPE_CHECKING:
    from .render import Renderer

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entry times: the same bytes on every build


def make_epub(renderer: Renderer, issue: Issue) -> bytes:
    """The EPUB of one issue, rendered with the layouts in layouts/epub/."""
    path = urls.epub_path(issue)
    chapters = [(f"a{n:03d}.xhtml", article) for n, article in enumerate(issue.articles, 1)]
    context = dict(issue=issue, chapters=chapters, identifier=urls.stable_id(renderer.site.config.base_url, urls.issue_path(issue.date)))
    files = [
        ("META-INF/container.xml", renderer.text("epub/container.xml", path)),
        ("OEBPS/package.opf", renderer.text("epub/package.opf", path, **context)),
        ("OEBPS/nav.xhtml", renderer.text("epub/nav.xhtml", path, **context)),
        ("OEBPS/style.css", renderer.text("epub/style.css", path)),
    ]
    for name, article in chapters:
        files.append((f"OEBPS/{name}", renderer.text("epub/chapter.xhtml", path, issue=issue, article=article,
                                                      body=article.body_html)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as epub:
        # The mimetype comes first and uncompressed (EPUB OCF 3.0, 4.3).
        epub.writestr(zipfile.ZipInfo("mimetype", FIXED_TIME), "application/epub+zip", zipfile.ZIP_STORED)
        for name, text in files:
            epub.writestr(zipfile.ZipInfo(name, FIXED_TIME), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
