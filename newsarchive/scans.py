"""The printed page: the scans in an issue folder's pages/ (1.jpg, 2.png…) and their OCR (1.hocr
or 1.xml beside them), read into the model. Only the image's header is read here (its size); the
site's image files are made by images.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .digests import blake16
from .errors import Problem
from .model import Scan

SCAN_TYPES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")
OCR_SUFFIXES = (".hocr", ".xml")  # hOCR or ALTO beside the scan
SCAN = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/pages/(\d{1,3})(?:%s)$" % "|".join(re.escape(t) for t in SCAN_TYPES), re.I)
MAX_PIXELS = 120_000_000  # a 600 dpi broadsheet is ~70 M; more is a mistake or an attack (decompression bomb)


def find_scans(listed: list[str], content: Path) -> list[str]:
    """The scans among the content folder's files (relative POSIX paths)."""
    prefix = len(str(content)) + 1
    return [p for p in listed if SCAN.search(p[prefix:].replace(os.sep, "/"))]


def read_scan(path: str, source: str, files: set[str]) -> Scan | Problem:
    """A scan's model (its size, digest and OCR file), or the problem with it."""
    import datetime
    from PIL import Image, UnidentifiedImageError
    from .articles import display_path
    m = SCAN.search(source)
    shown = display_path(Path(path))
    try:
        date = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return Problem(shown, "the folder is not a date (YYYY/MM/DD)")
    try:
        image_bytes = Path(path).read_bytes()
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError) as exc:
        return Problem(shown, f"not an image Pillow can read ({exc})")
    if width * height > MAX_PIXELS:
        return Problem(shown, f"{width}×{height} pixels: over {MAX_PIXELS:,}, refused (scan at 300–400 dpi)")
    stem = path[: -len(Path(path).suffix)]
    ocr = next((stem + s for s in OCR_SUFFIXES if stem + s in files), "")
    ocr_source = source[: -len(Path(source).suffix)] + Path(ocr).suffix if ocr else ""
    ocr_digest = ""
    if ocr:
        from .errors import BuildError
        from .ocr import read_ocr
        ocr_bytes = Path(ocr).read_bytes()
        try:
            read_ocr(ocr_bytes.decode("utf-8"), display_path(Path(ocr)))
        except UnicodeDecodeError:
            return Problem(display_path(Path(ocr)), "expected UTF-8 text (hOCR or ALTO)")
        except BuildError as exc:
            return exc.problems[0]
        ocr_digest = blake16(ocr_bytes)
    return Scan(source, date, int(m.group(4)), width, height, blake16(image_bytes), ocr_source, ocr_digest)


class _Stamp:
    """The size and time a cached scan is kept by: of the image and its OCR file together."""

    def __init__(self, *stats: os.stat_result):
        self.st_size = sum(st.st_size for st in stats) * 1000 + len(stats)
        self.st_mtime_ns = max(st.st_mtime_ns for st in stats)


def read_scans(content: Path, listing: dict, cache=None) -> tuple[list[Scan], list[Problem]]:
    """Every scan under the content folder, through the parse cache when there is one."""
    files = {p for p, st in listing.items() if not isinstance(st, Problem)}
    prefix = len(str(content)) + 1
    scans, problems = [], []
    for path in find_scans(sorted(files), content):
        source = path[prefix:].replace(os.sep, "/")
        stem = path[: -len(Path(path).suffix)]
        stamp = _Stamp(listing[path], *(listing[stem + s] for s in OCR_SUFFIXES if stem + s in files))
        found = cache.get(source, stamp) if cache is not None else None
        if found is None:
            found = read_scan(path, source, files)
            if isinstance(found, Problem):
                problems.append(found)
                continue
            if cache is not None:
                cache.put(source, stamp, found)
        scans.append(found)
    return scans, problems


def scan_words(path: Path) -> list[list]:
    """The OCR's lines of a scan, for highlighting on the image: [[word, x, y, w, h], …] a line."""
    from .errors import BuildError
    from .ocr import read_ocr
    try:
        page = read_ocr(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, BuildError):
        return []
    return [[[text, *box] for text, box, _ in line.words] for line in page.lines]
