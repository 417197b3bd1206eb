"""Scanned pages made, not downloaded: articles typeset into columns with Pillow and a real CJK font
(Debian fonts-noto-cjk), damaged as scans are (a slight rotation, blur, noise, JPEG), with the
truth kept — each article's text and the boxes it is printed in.

Used by bench/ocr_accuracy.py (full pages) and the OCR tests (a strip of a few columns).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

FONTS = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
BOLD_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc")


@dataclass
class ScanArticle:
    """What is typeset: headline block, byline, paragraphs ('### ' marks a subhead)."""

    title: str
    paragraphs: list[str]
    kicker: str = ""
    subtitle: str = ""
    byline: str = ""  # as printed: ■本报记者 王越
    reporters: tuple[str, ...] = ()
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # where it was printed (truth)
    lines: list[tuple[str, tuple[int, int, int, int], int]] = field(default_factory=list)  # text, box, block


def font_file(bold: bool = False) -> str:
    for path in BOLD_FONTS if bold else FONTS:
        if Path(path).exists():
            return path
    raise SystemExit("no CJK font: install Debian's fonts-noto-cjk")


def typeset(articles: list[ScanArticle], columns: int = 4, chars: int = 14, size: int = 28,
            lines_per_column: int = 40, seed: int = 0) -> tuple["Image.Image", list[ScanArticle]]:  # noqa: F821
    """A page of `columns` columns, `chars` characters wide, the articles flowing down one column
    into the next (as far as the page holds: what does not fit is left off and out of the truth).
    Returns the clean page and the articles printed, each with its boxes."""
    from PIL import Image, ImageDraw, ImageFont
    body_font = ImageFont.truetype(font_file(), size)
    head_font = ImageFont.truetype(font_file(bold=True), round(size * 1.9))
    deck_font = ImageFont.truetype(font_file(), round(size * 1.3))
    leading, gutter, margin = round(size * 1.55), size * 3, size * 3
    column_width = chars * size
    width = margin * 2 + columns * column_width + (columns - 1) * gutter
    height = margin * 2 + lines_per_column * leading
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for n in range(1, columns):  # the rules between columns, as newspapers print them
        x = margin + n * (column_width + gutter) - gutter // 2
        draw.line([(x, margin), (x, height - margin)], fill=60, width=2)
    column, y = 0, margin
    printed = []

    block = 0

    def place(text: str, font, line_height: int, indent: int = 0) -> tuple[list[tuple[int, int, int, int]], str]:
        """Draw `text` wrapped to the column at the cursor: the box of each line drawn, and the
        text drawn (all of it, unless the page is full)."""
        nonlocal column, y
        per_line = max(1, column_width // font.size)
        first = max(1, (column_width - indent) // font.size)
        rows = [text[:first]] + [text[k:k + per_line] for k in range(first, len(text), per_line)]
        boxes, done = [], ""
        for n, row in enumerate(rows):
            if y + line_height > height - margin:
                column, y = column + 1, margin
                if column >= columns:
                    return boxes, done
            x = margin + column * (column_width + gutter) + (indent if n == 0 else 0)
            draw.text((x, y), row, font=font, fill=0)
            left, top, right, bottom = draw.textbbox((x, y), row, font=font)
            boxes.append((left, top, right - left, bottom - top))
            lines.append((row, boxes[-1], block))
            done += row
            y += line_height
        return boxes, done

    for article in articles:
        if column >= columns:
            break
        head_lines = round(size * 1.9 * 1.35)
        if y + head_lines * 2 > height - margin:  # a headline is never left at a column's foot
            column, y = column + 1, margin
            if column >= columns:
                break
        boxes, kept, lines = [], [], []
        blocks = ([(article.kicker, deck_font, round(size * 1.3 * 1.4), 0, "kicker")] * bool(article.kicker)
                  + [(article.title, head_font, head_lines, 0, "title")]
                  + [(article.subtitle, deck_font, round(size * 1.3 * 1.4), 0, "subtitle")] * bool(article.subtitle)
                  + [(article.byline, body_font, leading, 0, "byline")] * bool(article.byline)
                  + [(p.removeprefix("### "), body_font, leading, 0 if p.startswith("### ") else 2 * size, p)
                     for p in article.paragraphs])
        for text, font, line_height, indent, what in blocks:
            block += 1
            drawn, done = place(text, font, line_height, indent)
            boxes += drawn
            if what not in ("kicker", "title", "subtitle", "byline") and done:
                kept.append(what[:4] + done if what.startswith("### ") else done)
            if done != text:  # the page is full
                break
            y += round(size * 0.15)
        if len(kept) < 1:
            break  # not even a paragraph of it: left off the truth
        article.paragraphs, article.boxes, article.lines = kept, merge_boxes(boxes), lines
        printed.append(article)
        if column >= columns:
            break
        y += size
    return page, printed


def truth_ocr(page, articles: list[ScanArticle]):
    """The OCR a perfect reader would make of a clean page: its printed lines, a word per character
    (as Tesseract's hOCR has them for Chinese), blocks as paragraphs."""
    from newsarchive.ocr import OcrLine, OcrPage
    lines = []
    for article in articles:
        for text, (x, y, w, h), block in article.lines:
            step = w / max(1, len(text))
            words = [(ch, (round(x + k * step), y, max(1, round(step)), h), 0.96) for k, ch in enumerate(text)]
            lines.append(OcrLine(text, (x, y, w, h), words, block))
    return OcrPage(page.width, page.height, lines)


def merge_boxes(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes of one column that touch, as one."""
    out: list[list[int]] = []
    for x, y, w, h in boxes:
        if out and min(out[-1][2], x + w) - max(out[-1][0], x) >= 0.5 * min(w, out[-1][2] - out[-1][0]) \
                and y - out[-1][3] < 80:
            o = out[-1]
            o[0], o[1], o[2], o[3] = min(o[0], x), min(o[1], y), max(o[2], x + w), max(o[3], y + h)
        else:
            out.append([x, y, x + w, y + h])
    return [(a, b, c - a, d - b) for a, b, c, d in out]


def damage(page, rng: random.Random, articles: list[ScanArticle], quality: int = 80):
    """A slight rotation (the truth's boxes rotated with it), blur, noise and JPEG, as a scan has."""
    from PIL import Image, ImageFilter
    angle = rng.uniform(-0.6, 0.6)
    width, height = page.size
    rotated = page.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    cx, cy, a = width / 2, height / 2, math.radians(-angle)  # PIL turns counter-clockwise for a positive angle

    def turn(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - cx, y - cy
        return cx + dx * math.cos(a) - dy * math.sin(a), cy + dx * math.sin(a) + dy * math.cos(a)

    for article in articles:
        boxes = []
        for x, y, w, h in article.boxes:
            corners = [turn(x, y), turn(x + w, y), turn(x, y + h), turn(x + w, y + h)]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            boxes.append((round(min(xs)), round(min(ys)), round(max(xs) - min(xs)), round(max(ys) - min(ys))))
        article.boxes = boxes
    blurred = rotated.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    noise = Image.effect_noise(blurred.size, rng.uniform(8, 20))
    noisy = Image.blend(blurred, noise, 0.12)
    buffer = io.BytesIO()
    noisy.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def from_corpus(articles, rng: random.Random, count: int) -> list[ScanArticle]:
    """ScanArticles of corpus articles (bench/corpus.py), bylines in the usual conventions."""
    out = []
    for a in rng.sample(articles, count):
        names = tuple(n for n in a.author.replace("、", " ").split() if n)[:2]
        byline = rng.choice(["■本报记者 {}", "本报记者 {}", "记者 {}"]).format(" ".join(names)) if names else ""
        head = list(a.headline)
        out.append(ScanArticle(title=head[0], subtitle="——" + head[1] if len(head) > 1 else "", byline=byline,
                               reporters=names, paragraphs=list(a.paragraphs)))
    return out


def from_content(folder: Path) -> list[ScanArticle]:
    """ScanArticles of article files (the seed page's, content/2024/02/02/): headline block,
    reporters, and the body's paragraphs (its byline line among them, as printed)."""
    import re

    from newsarchive.articles import split_front_matter
    out = []
    for path in sorted(folder.glob("*.md")):
        fm = split_front_matter(path.read_text(encoding="utf-8"), path.name)
        data = fm.data
        reporters = data.get("reporter") or []
        reporters = (reporters,) if isinstance(reporters, str) else tuple(reporters)
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", fm.body) if p.strip()]
        out.append(ScanArticle(title=data["title"], kicker=data.get("kicker", ""), subtitle=data.get("subtitle", ""),
                               reporters=reporters, paragraphs=paragraphs))
    return out
