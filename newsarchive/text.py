"""What counts as a Han character and as punctuation: the one definition, for the import, the
search records and (written into the search page, see `js_settings`) the search page's script."""

from __future__ import annotations

# Han characters: CJK radicals, 々 〇 and the Suzhou numerals, the unified ideographs with their
# extensions and the compatibility ideographs.
HAN_RANGES = ((0x2E80, 0x2FDF), (0x3005, 0x3005), (0x3007, 0x3007), (0x3021, 0x3029), (0x3038, 0x303B),
              (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
# Punctuation and forms that sit between Han characters in Chinese text (for the search page's
# excerpts, which come back spaced): CJK symbols, full-width forms, curly quotes, — … ·
CJK_PUNCTUATION_RANGES = ((0x3000, 0x303F), (0xFF00, 0xFFEF), (0x2018, 0x201F), (0x2014, 0x2014),
                          (0x2026, 0x2026), (0x00B7, 0x00B7))
# Characters that are words of their own besides Han: × and ○ stand for withheld characters and zeros
# in old print (北平××小学, 二○四七), and Pagefind would otherwise drop them.
SYMBOLS = "×○"

OPENING_BRACKETS = "“‘「『（(【《〈〔［｛"
CLOSING_BRACKETS = "”’」』）)】》〉〕］｝"
PAUSES = "，、。！？；：,.!?;:"  # marks that end a clause or a sentence
CJK_PAUSES = "，。、；：！？…—·"  # …, — and · too: they stay with the word before them
# punctuation that belongs to the word before it (a search record puts no word break before it)
CLOSERS = CJK_PAUSES + CLOSING_BRACKETS + ",.;:!?)]}"
CJK_CLOSERS = CJK_PAUSES + CLOSING_BRACKETS.replace(")", "")


def char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """The ranges as the inside of a Python regular expression's [...]."""
    return "".join(_py_escape(a) if a == b else f"{_py_escape(a)}-{_py_escape(b)}" for a, b in ranges)


def js_char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """The ranges as the inside of a JavaScript RegExp's [...] (with the u flag)."""
    return "".join(_js_escape(a) if a == b else f"{_js_escape(a)}-{_js_escape(b)}" for a, b in ranges)


def _py_escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _js_escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\u{{{code:x}}}"


HAN = char_class(HAN_RANGES)
CJK = char_class(HAN_RANGES + CJK_PUNCTUATION_RANGES)  # Han characters and the punctuation among them


def is_han(ch: str) -> bool:
    code = ord(ch)
    return any(a <= code <= b for a, b in HAN_RANGES)


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(a <= code <= b for a, b in HAN_RANGES + CJK_PUNCTUATION_RANGES)
