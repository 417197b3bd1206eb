"""Article body: Markdown → HTML, plain text and excerpt."""

from __future__ import annotations

import html
import re

import markdown
from markdown import util
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


SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_STASHED = re.compile(f"{util.STX}(\\d+){util.ETX}")  # a backslash escape, held by Python-Markdown


def url_as_browser_reads(raw: str) -> str:
    """An attribute's URL as a browser resolves it: character references decoded, leading and
    trailing controls and spaces dropped, tabs and line breaks removed anywhere (WHATWG URL)."""
    value = _STASHED.sub(lambda m: chr(int(m.group(1))), raw.replace(util.AMP_SUBSTITUTE, "&"))
    value = html.unescape(value).strip("".join(map(chr, range(0x21))))
    return re.sub(r"[\t\n\r]", "", value)


def unsafe_url(raw: str) -> bool:
    """True for a URL with a scheme other than http, https and mailto (javascript:, data:, vbscript:…).
    A URL without a scheme (a path, #fragment or ?query) is safe."""
    m = _SCHEME.match(url_as_browser_reads(raw))
    return m is not None and m.group(1).lower() not in SAFE_SCHEMES


class _SafeLinks(Treeprocessor):
    """Links and images whose URL could run script become plain text: a link keeps its text, an
    image its alt text. Each is reported (`BodyRenderer.unsafe`) for a warning with its line."""

    def run(self, root):
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            raw = element.get(attribute) if attribute else None
            if raw is None or not unsafe_url(raw):
                continue
            self.md.unsafe_urls.append(raw)
            alt = element.get("alt", "") if element.tag == "img" else None
            element.attrib.clear()
            element.tag = "span"
            if alt is not None:
                element.text = alt


MAX_BRACKETS = 500  # unescaped '[' in one paragraph before they are taken as text
_OPEN_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")


def defuse_brackets(source: str) -> tuple[str, list[tuple[int, int]]]:
    """Python-Markdown looks for the end of a link from every '[', so that a paragraph of thousands
    of them takes minutes (20,000: 46 s). In a paragraph with more than MAX_BRACKETS, every '[' is
    text. Returns the source and (first line, count) of each paragraph so treated."""
    if source.count("[") <= MAX_BRACKETS:
        return source, []
    blocks, found, line = re.split(r"(\n[ \t]*\n)", source), [], 1
    for k in range(0, len(blocks), 2):
        count = len(_OPEN_BRACKET.findall(blocks[k]))
        if count > MAX_BRACKETS:
            blocks[k] = _OPEN_BRACKET.sub(r"\1\\[", blocks[k])
            found.append((line, count))
        line += blocks[k].count("\n") + (blocks[k + 1].count("\n") if k + 1 < len(blocks) else 0)
    return "".join(blocks), found


class BodyRenderer:
    """A reusable Markdown converter; raw HTML is escaped unless trusted. Output is XHTML-clean."""

    def __init__(self, trusted_html: bool = False):
        self._md = markdown.Markdown(extensions=["sane_lists"], output_format="xhtml")
        self._md.treeprocessors.register(_NumberBlocks(self._md), "number_blocks", 0)
        self._md.treeprocessors.register(_SafeLinks(self._md), "safe_links", 1)
        self._md.unsafe_urls = []
        self.defused: list[tuple[int, int]] = []  # (line in the body, count) of paragraphs whose '[' are text
        if not trusted_html:
            # Python-Markdown has no safe mode; removing the raw-HTML processors makes
            # any <tag> in the text come out escaped, as text.
            self._md.preprocessors.deregister("html_block")
            self._md.inlinePatterns.deregister("html")

    def render(self, source: str) -> str:
        """Return the HTML of a Markdown body."""
        self._md.reset()
        self._md.unsafe_urls = []
        source, self.defused = defuse_brackets(source)
        return self._md.convert(source)

    @property
    def unsafe(self) -> list[str]:
        """The URLs (as written) of the links and images the last render turned into text."""
        return list(self._md.unsafe_urls)


_INLINE = re.compile(r"([\\`*_\[\]])")  # backslash escapes Python-Markdown reads inline
_ENTITY = re.compile(r"&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_LINE_START = re.compile(r"^(\s*)(?=[#>+\-]|\d+[.)](?:\s|$))(\d*)")  # a heading, quote, list item or rule
_SETEXT = re.compile(r"^(\s*)=(?==*\s*$)")  # a line of = under a line makes it a heading


def markdown_escape(text: str, heading: bool = False) -> str:
    """Text as Markdown that renders to exactly this text (what a printed page says, however many
    asterisks, brackets, backslashes or ampersands it holds): the inverse of BodyRenderer for
    plain paragraphs, line by line (`heading`: the text of a '### ' line, whose closing #s go)."""
    lines = []
    for line in text.split("\n"):
        line = _ENTITY.sub("&amp;", _INLINE.sub(r"\\\1", line)).replace("<", "&lt;")
        line = _LINE_START.sub(r"\1\2\\", line)
        lines.append(_SETEXT.sub(r"\1&#61;", line).rstrip())
    text = "\n".join(lines)
    return re.sub(r"(?<!\\)((?:\\\\)*)#(?=\s*$)", r"\1\\#", text) if heading else text  # unless escaped


def blocks_of(body_html: str) -> list[tuple[str, str]]:
    """(tag, plain text) of each paragraph-like block, in order."""
    return [(m.group(1), html.unescape(_TAG.sub("", m.group(2))).strip()) for m in _BLOCK.finditer(body_html)]


_HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')


def body_links(body_html: str) -> tuple[str, ...]:
    """The href of every link in a rendered body, as written there (HTML-escaped)."""
    return tuple(_HREF.findall(body_html))


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
