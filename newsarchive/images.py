"""The scans' files in the site: the page at reading size and as a thumbnail, IIIF Image API
level-0 tiles (static files, for zooming to full resolution), and each article's clippings.
Pillow writes the same bytes for the same pixels and settings, so builds stay reproducible."""

from __future__ import annotations

import io
import json
import math

from . import urls
from .model import Article, Scan

TILE = 512
QUALITY = 80  # JPEG quality of every image the site shows
READING_WIDTH = 1400  # the page at reading size (a phone's or a laptop's screen, at 2× on a phone)
THUMB_WIDTH = 240
CLIP_SCALE = 0.7  # a clipping at this share of the scan's resolution (the page view zooms to all of it)
CLIP_WIDTH = 900  # and at most this wide
SETTINGS = (TILE, QUALITY, READING_WIDTH, THUMB_WIDTH, CLIP_SCALE, CLIP_WIDTH, "grey")  # in every signature of these files


def open_scan(path):
    """The scan upright, in grey when it has no colour (most newsprint: a third of the bytes)."""
    from PIL import Image, ImageChops, ImageOps
    image = ImageOps.exif_transpose(Image.open(path))
    if image.mode in ("1", "L", "LA", "I;16", "I"):
        return image.convert("L")
    image = image.convert("RGB")
    small = image.resize((max(1, image.width // 8), max(1, image.height // 8)))
    r, g, b = small.split()
    spread = max(ImageChops.difference(r, g).getextrema()[1], ImageChops.difference(g, b).getextrema()[1])
    return image.convert("L") if spread <= 12 else image


def _jpeg(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=QUALITY, optimize=True, progressive=False)
    return buffer.getvalue()


def _scaled(image, width: int):
    from PIL import Image
    if image.width <= width:
        return image
    return image.resize((width, max(1, round(image.height * width / image.width))), Image.LANCZOS)


def scale_factors(width: int, height: int) -> list[int]:
    """1, 2, 4… until the whole page fits in one tile."""
    factors = [1]
    while max(width, height) / factors[-1] > TILE:
        factors.append(factors[-1] * 2)
    return factors


def tile_names(width: int, height: int) -> list[tuple[str, tuple[int, int, int, int], tuple[int, int]]]:
    """(file under the tiles folder, region on the full image, size) of every tile, named as
    OpenSeadragon asks an IIIF Image API 3 level-0 service for them (IIIFTileSource.getTileUrl)."""
    out = []
    for factor in scale_factors(width, height):
        level_w, level_h = math.ceil(width / factor), math.ceil(height / factor)
        if level_w < TILE and level_h < TILE:
            size = "max" if (level_w, level_h) == (width, height) else f"{level_w},{level_h}"
            out.append((f"full/{size}/0/default.jpg", (0, 0, width, height), (level_w, level_h)))
            continue
        step = TILE * factor
        for x in range(math.ceil(level_w / TILE)):
            for y in range(math.ceil(level_h / TILE)):
                rx, ry = x * step, y * step
                rw, rh = min(step, width - rx), min(step, height - ry)
                region = "full" if (x, y, rw, rh) == (0, 0, width, height) else f"{rx},{ry},{rw},{rh}"
                sw, sh = min(TILE, level_w - x * TILE), min(TILE, level_h - y * TILE)
                size = "max" if (sw, sh) == (width, height) else f"{sw},{sh}"
                out.append((f"{region}/{size}/0/default.jpg", (rx, ry, rw, rh), (sw, sh)))
    return out


def info(scan: Scan, service_id: str) -> dict:
    """The IIIF Image API 3 info.json of a scan's tiles."""
    sizes = [{"width": math.ceil(scan.width / f), "height": math.ceil(scan.height / f)}
             for f in reversed(scale_factors(scan.width, scan.height))]
    return {"@context": "http://iiif.io/api/image/3/context.json", "id": service_id, "type": "ImageService3",
            "protocol": "http://iiif.io/api/image", "profile": "level0", "width": scan.width, "height": scan.height,
            "sizes": sizes, "tiles": [{"width": TILE, "height": TILE,
                                       "scaleFactors": scale_factors(scan.width, scan.height)}],
            "preferredFormats": ["jpg"]}


def scan_files(image, scan: Scan, service_id: str) -> dict[str, bytes]:
    """Site path → bytes of a scan's files (`image`: open_scan's): reading size, thumbnail, tiles
    and info.json."""
    from PIL import Image
    view = urls.page_view_path(scan.date, scan.page)
    files = {view + urls.SCAN_IMAGE: _jpeg(_scaled(image, READING_WIDTH)),
             view + urls.THUMBNAIL: _jpeg(_scaled(image, THUMB_WIDTH))}
    for name, (x, y, w, h), size in tile_names(scan.width, scan.height):
        files[view + urls.TILES + name] = _jpeg(image.crop((x, y, x + w, y + h)).resize(size, Image.LANCZOS))
    files[view + urls.TILES + "info.json"] = json.dumps(info(scan, service_id), ensure_ascii=False).encode("utf-8")
    return files


def clipping_files(image, article: Article) -> dict[str, bytes]:
    """An article's regions cut from its page's scan (`image`: open_scan's)."""
    return {urls.clipping_path(article, n): _jpeg(_scaled(image.crop((x, y, x + w, y + h)),
                                                          min(CLIP_WIDTH, max(1, round(w * CLIP_SCALE)))))
            for n, (x, y, w, h) in enumerate(article.regions, 1)}
