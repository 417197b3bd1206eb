"""Article body: Markdown → HTML, plain text and excerpt."""

from __future__ import annotations

import html
import re

import markdown
from markdown.treeprocessors import Treeprocessor

_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"<(p|h[1-6]|li|blockquote)\b[^>]*>(.*?)</\1>", re.S)
_SENTENCE_END = re.compile(r"[。！？!?…]")


class _NumberBlocks(Treeprocessor):
    """id="p1", "p2"… on the body's paragraphs and "s1"… on its headings, for citable links."""

    def run(self, root):
        counts = {"p": 0, "s": 0}
        for element in root:
            prefix = "p" if element.tag == "p" else "s" if element.tag in ("h1", "h2", "h3", "h4", "h5", "h6") else None
            if prefix:
                counts[prefix] += 1
                element.set("id", f"{prefix}{counts[prefix]}")


class BodyRenderer:
    """A reusable Markdown converter; raw HTML is escaped unless trusted. Output is XHTML-clean."""

    def __init__(self, trusted_html: bool = False):
        self._md = markdown.Markdown(extensions=["sane_lists"], output_format="xhtml")
        self._md.treeprocessors.register(_NumberBlocks(self._md), "number_blocks", 0)
        if not trusted_html:
            # Python-Markdown has no safe mode; removing the raw-HTML processors makes
            # any <tag> in the text come out escaped, as text.
            self._md.preprocessors.deregister("html_block")
            self._md.inlinePatterns.deregister("html")

    def render(self, source: str) -> str:
        """Return the HTML of a Markdown body."""
        self._md.reset()
        return self._md.convert(source)


def blocks_of(body_html: str) -> list[tuple[str, str]]:
    """(tag, plain text) of each paragraph-like block, in order."""
    return [(m.group(1), html.unescape(_TAG.sub("", m.group(2))).strip()) for m in _BLOCK.finditer(body_html)]


def plain_text(body_html: str) -> str:
    """The body's text, one block a line."""
    return "\n".join(text for _, text in blocks_of(body_html) if text)


def make_excerpt(body_html: str, length: int) -> str:
    """The first `length` characters of the body's paragraphs, skipping a leading byline."""
    paragraphs = [text for tag, text in blocks_of(body_html) if tag == "p" and text]
    while len(paragraphs) > 1 and len(paragraphs[0]) < 20 and not _SENTENCE_END.search(paragraphs[0]):
        paragraphs.pop(0)  # a byline such as ■本报记者 尹明
    text = "".join(paragraphs)
    return text if len(text) <= length else text[:length].rstrip() + "……"
