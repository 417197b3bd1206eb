"""Tesseract over a scanned newspaper page, column by column.

Tesseract's own page layout analysis reads across the narrow gutters of a newspaper (Chinese has
no spaces between words to tell a gutter from a gap), so the page is cut at its gutters — the
vertical bands that are blank (or a printed rule) nearly all the way down — and each column is
read on its own (`--psm 4`: one column of text of varying sizes). The columns' lines, with boxes
on the whole scan, make one hOCR file (`write_hocr`), as if Tesseract had read the page so.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import BuildError, Problem
from .ocr import OcrLine, OcrPage, read_hocr

LANGUAGES = {"chi_sim": "tesseract-ocr-chi-sim", "chi_tra": "tesseract-ocr-chi-tra"}
INSTALL = ("Tesseract is not installed: on Debian or Ubuntu, `apt-get install tesseract-ocr tesseract-ocr-chi-sim` "
           "(tesseract-ocr-chi-tra for 繁體 papers)")


def check_tesseract(language: str) -> str:
    """The tesseract executable, if it and the language's data are installed; else what to install."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise BuildError([Problem("tesseract", INSTALL)])
    listed = subprocess.run([exe, "--list-langs"], capture_output=True, text=True).stdout.split()
    for lang in language.split("+"):
        if lang not in listed:
            package = LANGUAGES.get(lang, f"tesseract-ocr-{lang.replace('_', '-')}")
            raise BuildError([Problem("tesseract", f"Tesseract has no data for {lang!r}: `apt-get install {package}`")])
    return exe


def find_columns(image) -> list[tuple[int, int]]:
    """The columns of a page image, as (left, right) x ranges: cut at the bands with (nearly) no
    ink from top to bottom — a printed rule, a band of a few pixels, counts as blank — that are
    wide enough to be a gutter."""
    from PIL import Image
    grey = image.convert("L")
    width, height = grey.size
    step = max(4, width // 400)
    bins = -(-width // step)
    # the share of ink in each band `step` pixels wide, all the way down
    dark = grey.point(lambda v: 255 if v < 140 else 0).resize((bins, 1), resample=Image.BOX)
    ink = [v / 255 for v in dark.tobytes()]
    clear = [share < 0.015 for share in ink]
    runs = _runs(clear)
    rule = max(3, width // 50 // step)  # a rule, slanted a little on a skewed scan: far narrower than a column
    for k, (value, start, end) in enumerate(runs):  # a narrow inked band between blank ones: a rule
        if not value and end - start <= rule and 0 < k < len(runs) - 1 \
                and runs[k - 1][2] - runs[k - 1][1] >= 2 and runs[k + 1][2] - runs[k + 1][1] >= 2:
            for n in range(start, end):
                clear[n] = True
    gap = max(2, width // (80 * step))  # a gutter: about a character wide at least
    columns = []
    for value, start, end in _runs(clear):
        if value and end - start >= gap and columns:
            columns.append(None)  # a cut
        elif not value:
            if columns and columns[-1] is not None:
                columns[-1] = (columns[-1][0], end)
            else:
                if columns and columns[-1] is None:
                    columns.pop()
                columns.append((start, end))
    found = [(max(0, a * step - step), min(width, b * step + step)) for a, b in (c for c in columns if c)
             if (b - a) * step > width // 30]
    return found or [(0, width)]


def _runs(flags: list[bool]) -> list[tuple[bool, int, int]]:
    """(value, start, end) of each run of equal values."""
    runs, start = [], 0
    for n in range(1, len(flags) + 1):
        if n == len(flags) or flags[n] != flags[start]:
            runs.append((flags[start], start, n))
            start = n
    return runs


def ocr_scan(scan: Path, language: str = "chi_sim") -> OcrPage:
    """The scan read column by column: lines in reading order (columns left to right, each top to
    bottom), boxes on the whole scan."""
    from PIL import Image
    exe = check_tesseract(language)
    with Image.open(scan) as opened:
        image = opened.convert("L")
    width, height = image.size
    lines: list[OcrLine] = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-ocr-") as tmp:
        for n, (left, right) in enumerate(find_columns(image)):
            strip = Path(tmp) / f"column-{n}.png"
            image.crop((left, 0, right, height)).save(strip)
            result = subprocess.run([exe, str(strip), str(strip.with_suffix("")), "-l", language, "--psm", "4", "hocr"],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise BuildError([Problem(str(scan), f"tesseract failed: {result.stderr.strip()[-500:]}")])
            column = read_hocr(strip.with_suffix(".hocr").read_text(encoding="utf-8"), str(strip))
            base = max((line.paragraph for line in lines), default=0)
            for line in column.lines:
                lines.append(OcrLine(line.text, _moved(line.box, left), [(t, _moved(b, left), c) for t, b, c in line.words],
                                     base + line.paragraph))
    return OcrPage(width, height, lines)


PDF_DPI = 300


def pdf_pages(pdf: Path, folder: Path) -> list[Path]:
    """Each page of a PDF as a PNG scan in `folder`, rendered at PDF_DPI (pypdfium2)."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise BuildError([Problem(str(pdf), "reading a PDF needs pypdfium2: pip install pypdfium2")])
    try:
        document = pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as exc:
        raise BuildError([Problem(str(pdf), f"not a PDF that can be read ({exc})")])
    out = []
    for n in range(len(document)):
        image = document[n].render(scale=PDF_DPI / 72).to_pil()
        path = folder / f"{pdf.stem}-{n + 1}.png"
        image.save(path)
        out.append(path)
    return out


def _moved(box, dx: int):
    return (box[0] + dx, box[1], box[2], box[3])


def write_hocr(page: OcrPage, image_name: str, language: str = "chi_sim") -> str:
    """The page as an hOCR file (what Tesseract writes, so other tools read it too)."""
    e = html.escape

    def bbox(box) -> str:
        x, y, w, h = box
        return f"bbox {x} {y} {x + w} {y + h}"

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="zh" lang="zh"><head><title></title>',
           '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
           '<meta name="ocr-system" content="tesseract (newsarchive, column by column)"/>',
           '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word"/></head><body>',
           f"<div class='ocr_page' id='page_1' title='image \"{e(image_name)}\"; bbox 0 0 {page.width} {page.height}; ppageno 0'>"]
    paragraph, n = None, 0
    for line in page.lines:
        if line.paragraph != paragraph:
            if paragraph is not None:
                out.append("</p></div>")
            paragraph = line.paragraph
            out.append(f"<div class='ocr_carea' id='block_{paragraph}'><p class='ocr_par' id='par_{paragraph}' lang='{e(language)}'>")
        n += 1
        words = "".join(f"<span class='ocrx_word' id='word_{n}_{k}' title='{bbox(b)}; x_wconf {round(c * 100)}'>{e(t)}</span>"
                        for k, (t, b, c) in enumerate(line.words, 1))
        out.append(f"<span class='ocr_line' id='line_{n}' title='{bbox(line.box)}'>{words}</span>")
    if paragraph is not None:
        out.append("</p></div>")
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"
