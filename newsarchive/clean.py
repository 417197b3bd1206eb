"""Characters that must never reach a page, a feed or a citation file, found with their lines."""

from __future__ import annotations

import re

# Not allowed in XML 1.0 (so in no feed, sitemap or EPUB), invisible on a page: C0 controls but
# tab, line feed and carriage return; DEL; the non-characters U+FFFE and U+FFFF.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\s*[\r\n\x85\u2028\u2029]+\s*")


def strip_controls(text: str, first_line: int = 1) -> tuple[str, list[tuple[int, str]]]:
    """The text without control characters, and (line, 'U+000B') of each one removed."""
    if not CONTROL.search(text):
        return text, []
    found = [(first_line + text.count("\n", 0, m.start()), f"U+{ord(m.group()):04X}") for m in CONTROL.finditer(text)]
    return CONTROL.sub("", text), found


def removed(char: str) -> str:
    """What a warning says of a control character taken out ('U+000B')."""
    return f"control character {char} removed"


def single_line(text: str) -> str:
    """A one-line field (a headline, a name): line breaks become one space. A newline in a title
    would start a new field in RIS and BibTeX files and a new line in a feed reader's list."""
    return _LINE_BREAKS.sub(" ", text).strip()


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR (old Mac files) as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
