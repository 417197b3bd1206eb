"""OCR output with coordinates — hOCR (Tesseract, OCRopus) and ALTO XML (Tesseract, ABBYY, library
vendors) — read into lines in reading order with their boxes, and turned into the raw page text the
importer reads (one text line per OCR line, a blank line between paragraphs, larger type marked as
headings), so that an article's lines lead back to where it is printed. Pure functions."""

from __future__ import annotations

import html
import re
import statistics
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .errors import BuildError, Problem
from .text import CJK, is_cjk

Box = tuple[int, int, int, int]  # x, y, width, height in the scan's pixels


@dataclass
class OcrLine:
    text: str
    box: Box
    words: list[tuple[str, Box, float]] = field(default_factory=list)  # text, box, confidence 0–1
    paragraph: int = 0  # lines of one paragraph share its number

    @property
    def confidence(self) -> float:
        return min((c for _, _, c in self.words), default=1.0)


@dataclass
class OcrPage:
    width: int
    height: int
    lines: list[OcrLine]


_SPACE_BY_CJK = re.compile(f"(?<=[{CJK}])\\s+|\\s+(?=[{CJK}])")


def join_words(words: list[str]) -> str:
    """A line's words as text: OCR puts spaces between Han characters (Tesseract's ALTO a <SP/>
    between every Chinese string), nor within a word beside a Han character; they are not text. A
    space stays only between two words that are not CJK (Latin words, numbers)."""
    out = ""
    for word in (w.strip() for w in words):
        if not word:
            continue
        if out and not is_cjk(out[-1]) and not is_cjk(word[0]):
            out += " "
        out += word
    return _SPACE_BY_CJK.sub("", out)


# -- hOCR

_BBOX = re.compile(r"bbox\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)")
_WCONF = re.compile(r"x_wconf\s+(\d+(?:\.\d+)?)")


def _title_box(title: str) -> Box | None:
    m = _BBOX.search(title or "")
    if not m:
        return None
    x0, y0, x1, y1 = map(int, m.groups())
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def _classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def read_hocr(data: str, shown: str = "hOCR") -> OcrPage:
    """An hOCR file: its page's size, and its lines (ocr_line, ocrx_line and the other line classes)
    with their words, in the file's order (the OCR engine's reading order)."""
    root = _parse_xml(_as_xml(data), shown)
    page = next((e for e in root.iter() if "ocr_page" in _classes(e)), None)
    box = _title_box(page.get("title", "")) if page is not None else None
    if box is None:
        raise BuildError([Problem(shown, "no ocr_page with a bbox: not an hOCR file of a page")])
    lines, paragraph = [], 0
    for element in root.iter():
        classes = _classes(element)
        if "ocr_par" in classes:
            paragraph += 1
        if classes & {"ocr_line", "ocrx_line", "ocr_textfloat", "ocr_header", "ocr_caption"}:
            line = _hocr_line(element, paragraph)
            if line is not None:
                lines.append(line)
    return OcrPage(box[0] + box[2], box[1] + box[3], lines)


def _hocr_line(element: ET.Element, paragraph: int) -> OcrLine | None:
    box = _title_box(element.get("title", ""))
    words = []
    for word in element.iter():
        if "ocrx_word" in _classes(word):
            text = "".join(word.itertext())
            conf = _WCONF.search(word.get("title", ""))
            words.append((text, _title_box(word.get("title", "")) or box, float(conf.group(1)) / 100 if conf else 1.0))
    if not words:  # a line without word elements: its text as one word
        words = [("".join(element.itertext()), box, 1.0)]
    text = join_words([w for w, _, _ in words])
    if not text or box is None:
        return None
    return OcrLine(text, box, [(w.strip(), b, c) for w, b, c in words if w.strip()], paragraph)


def _as_xml(data: str) -> str:
    """hOCR is XHTML, or HTML with named entities and no XML declaration: make it parse as XML."""
    data = re.sub(r"<!DOCTYPE[^>]*>", "", data, flags=re.I)
    return re.sub(r"&([a-zA-Z][a-zA-Z0-9]*);", lambda m: m.group(0) if m.group(1) in ("amp", "lt", "gt", "quot", "apos")
                  else html.unescape(m.group(0)), data)


def _parse_xml(data: str, shown: str) -> ET.Element:
    if "<!ENTITY" in data:  # no entity expansion (billion laughs): OCR files never need it
        raise BuildError([Problem(shown, "refusing an XML file that declares entities")])
    try:
        return ET.fromstring(data.encode("utf-8") if isinstance(data, str) else data)
    except ET.ParseError as exc:
        line = exc.position[0] if hasattr(exc, "position") else None
        raise BuildError([Problem(shown, f"not well-formed XML: {exc}", line)])


# -- ALTO

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _alto_box(element: ET.Element) -> Box | None:
    try:
        values = [round(float(element.get(k))) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")]
    except (TypeError, ValueError):
        return None
    return tuple(values)  # type: ignore[return-value]


def read_alto(data: str, shown: str = "ALTO") -> OcrPage:
    """An ALTO file (v2–v4, any namespace): its first page's size and its text lines, each
    TextBlock a paragraph, in the file's order. Measurements in pixels (MeasurementUnit pixel,
    Tesseract's) or in mm10 / inch1200 (converted with the page's resolution where given)."""
    root = _parse_xml(data, shown)
    unit = next((e.text for e in root.iter() if _local(e.tag) == "MeasurementUnit"), "pixel") or "pixel"
    page = next((e for e in root.iter() if _local(e.tag) == "Page"), None)
    if page is None:
        raise BuildError([Problem(shown, "no Page element: not an ALTO file of a page")])
    scale = _alto_scale(unit.strip(), page)
    lines, paragraph = [], 0
    for block in (e for e in page.iter() if _local(e.tag) == "TextBlock"):
        paragraph += 1
        for element in (e for e in block if _local(e.tag) == "TextLine"):
            words = [(s.get("CONTENT", ""), _scaled(_alto_box(s), scale), float(s.get("WC", "1") or 1))
                     for s in element if _local(s.tag) == "String"]
            box = _scaled(_alto_box(element), scale)
            text = join_words([w for w, _, _ in words])
            if text and box is not None:
                lines.append(OcrLine(text, box, [(w, b or box, c) for w, b, c in words if w.strip()], paragraph))
    width = float(page.get("WIDTH", "0") or 0) * scale
    height = float(page.get("HEIGHT", "0") or 0) * scale
    return OcrPage(round(width), round(height), lines)


def _alto_scale(unit: str, page: ET.Element) -> float:
    if unit == "pixel":
        return 1.0
    dpi = 300.0  # ALTO gives no resolution of its own; scans of newspapers are 300 dpi or 400
    return dpi / 254 if unit == "mm10" else dpi / 1200


def _scaled(box: Box | None, scale: float) -> Box | None:
    return None if box is None else tuple(round(v * scale) for v in box)  # type: ignore[return-value]


def ocr_format(data: str) -> str | None:
    """'alto' or 'hocr' by the file's content, or None (not OCR with coordinates)."""
    if re.search(r"<(?:\w+:)?alto\b", data[:4000]):
        return "alto"
    return "hocr" if "ocr_page" in data else None


def read_ocr(data: str, shown: str) -> OcrPage:
    """hOCR or ALTO, told apart by their content."""
    kind = ocr_format(data)
    if kind is None:
        raise BuildError([Problem(shown, "neither hOCR (ocr_page) nor ALTO (<alto>): cannot read its OCR")])
    return read_alto(data, shown) if kind == "alto" else read_hocr(data, shown)


# -- the raw page the importer reads

HEADLINE_SIZE = 1.55  # a line of type this many times the body's: a headline
SUBHEAD_SIZE = 1.17  # this many: a kicker, subtitle or subhead


def type_size(line: OcrLine) -> float:
    """A line's type size: the least of its box's height, its words' median height and its width a
    character (a Han character is as wide as the type is high; a speck of noise or a misread stroke
    stretches a box's height, and punctuation a word's)."""
    sizes = [line.box[3]]
    if line.words:
        sizes.append(statistics.median([b[3] for _, b, _ in line.words]))
    chars = len("".join(line.text.split()))
    if chars >= 2:
        sizes.append(line.box[2] / chars)
    return min(sizes)


def split_paragraphs(lines: list[OcrLine]) -> None:
    """Number paragraphs anew where the OCR did not: a line indented by more than one character
    from its column's left edge in its block (Chinese indents a paragraph's first line by two)
    opens one."""
    blocks: dict[int, list[OcrLine]] = {}
    for line in lines:
        blocks.setdefault(line.paragraph, []).append(line)
    number = 0
    for block in blocks.values():
        number += 1
        for k, line in enumerate(block):
            x, _, w, _ = line.box
            column = [o.box[0] for o in block if min(o.box[0] + o.box[2], x + w) - max(o.box[0], x) > 0.5 * min(w, o.box[2])]
            if k and x - min(column) > 1.2 * type_size(line):
                number += 1
            line.paragraph = number


def page_text(page: OcrPage) -> tuple[str, dict[int, list[OcrLine]]]:
    """The page as raw text for the importer, and text line number → the OCR lines it came from.
    Lines of larger type become headings (## for headlines, ### for kickers and subheads), a
    heading's wrapped lines one line; a blank line separates paragraphs and headings."""
    split_paragraphs(page.lines)
    body = statistics.median([type_size(line) for line in page.lines]) if page.lines else 0
    out: list[str] = []
    where: dict[int, list[OcrLine]] = {}
    previous: tuple[int, str, OcrLine] | None = None
    for line in page.lines:
        size = type_size(line) / body if body else 1.0
        mark = "## " if size >= HEADLINE_SIZE else "### " if size >= SUBHEAD_SIZE else ""
        if previous is not None and previous[1] and _wraps(previous[2], line) and (
                mark == previous[1] or not mark and line.box[3] >= 0.85 * previous[2].box[3]):
            # (a heading's short last line can measure smaller than its type: it is as tall as the line above)
            out[-1] += line.text  # the heading goes on: Chinese wraps without a space
            where[len(out)].append(line)
        else:
            if out and (mark or previous is None or previous[0] != line.paragraph or previous[1]):
                out.append("")
            out.append(mark + line.text)
            where[len(out)] = [line]
        previous = (line.paragraph, mark, line)
    return "\n".join(out) + "\n", where


def _wraps(above: OcrLine, below: OcrLine) -> bool:
    """`below` is the next line of the same heading: under it, close, in the same column."""
    ax, ay, aw, ah = above.box
    bx, by, bw, bh = below.box
    return 0 <= by - (ay + ah) < 0.6 * ah and min(ax + aw, bx + bw) - max(ax, bx) > 0.3 * min(aw, bw)


def regions_for(numbers: list[int], where: dict[int, list[OcrLine]]) -> list[Box]:
    """The regions of what was made of these lines of page_text's text (an imported article)."""
    return regions_of([line for n in numbers for line in where.get(n, [])])


def regions_of(lines: list[OcrLine]) -> list[Box]:
    """Boxes covering an article's lines (in reading order): one per column it runs down, a new
    one where the next line is not under the last (another column, a jump)."""
    regions: list[list[int]] = []
    for line in lines:
        x, y, w, h = line.box
        if regions:
            r = regions[-1]
            overlap = min(r[2], x + w) - max(r[0], x)
            if overlap >= 0.5 * min(w, r[2] - r[0]) and -h <= y - r[3] <= 2.5 * h:
                r[0], r[1], r[2], r[3] = min(r[0], x), min(r[1], y), max(r[2], x + w), max(r[3], y + h)
                continue
        regions.append([x, y, x + w, y + h])
    return [(r[0], r[1], r[2] - r[0], r[3] - r[1]) for r in regions]
