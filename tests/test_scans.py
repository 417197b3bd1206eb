"""An archive with scans: page views, tiles, clippings, 版面导航 and the IIIF manifest, built from an
issue whose page was imported from hOCR (a perfect OCR of a typeset page: no Tesseract here)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from newsarchive.errors import BuildError
from newsarchive.images import tile_names
from newsarchive.pipeline import build, check
from tests.factories import make_config, scanned_issue, scanned_site, snapshot, write

ISSUE = "1946/05/15/"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    return scanned_site(tmp_path_factory.mktemp("scanned"), base_url="https://example.org/archive/")


def article_files(config):
    return sorted((config.content / ISSUE).glob("*.md"))


def test_the_import_from_hocr_writes_each_article_with_its_regions(scanned):
    config, printed = scanned
    texts = [f.read_text(encoding="utf-8") for f in article_files(config)]
    assert len(texts) == len(printed)
    for text, truth in zip(texts, printed):
        assert f'title: "{truth.title}"' in text
        regions = json.loads(re.search(r"^regions: (.*)$", text, re.M).group(1))
        # the truth's boxes are the printed lines' ink; the regions the lines' boxes: the same here
        assert len(regions) == len(truth.boxes)
        for (x, y, w, h), (tx, ty, tw, th) in zip(regions, truth.boxes):
            assert abs(x - tx) <= 2 and abs(y - ty) <= 2 and abs(w - tw) <= 2 and abs(h - th) <= 2


def test_a_page_view_shows_the_scan_with_every_article_region_a_link(scanned):
    config, printed = scanned
    page = (config.output / ISSUE / "page-1/index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="region" href="([^"]+)"', page)
    assert len(links) == sum(len(a.boxes) for a in printed)
    for href in set(links):
        assert (config.output / ISSUE / "page-1" / href).resolve().is_file(), href
    assert 'src="scan.jpg"' in page and "标题导航" in page
    data = json.loads(re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S).group(1))
    assert data["width"] > 0 and data["words"] and data["tiles"]["profile"] == "level0"


def test_every_tile_openseadragon_asks_for_is_in_the_site(scanned):
    config, _ = scanned
    view = config.output / ISSUE / "page-1"
    info = json.loads((view / "iiif/info.json").read_text())
    assert info["id"] == f"https://example.org/archive/{ISSUE}page-1/iiif"
    names = tile_names(info["width"], info["height"])
    assert len(names) > 4
    for name, _, (w, h) in names:
        from PIL import Image
        with Image.open(view / "iiif" / name) as tile:
            assert tile.size == (w, h), name
    assert {p.relative_to(view / "iiif").as_posix() for p in (view / "iiif").rglob("*.jpg")} == {n for n, _, _ in names}


def test_an_article_shows_its_clipping_and_links_to_its_place_on_the_page(scanned):
    config, printed = scanned
    article = article_files(config)[1]
    slug = re.search(r"^slug: (.*)$", article.read_text(encoding="utf-8"), re.M).group(1)
    page = (config.output / ISSUE / slug / "index.html").read_text(encoding="utf-8")
    assert "原版" in page and f'href="../page-1/index.html#r-{slug}"' in page
    from PIL import Image

    from newsarchive.images import CLIP_SCALE
    for n, (x, y, w, h) in enumerate(printed[1].boxes, 1):
        with Image.open(config.output / ISSUE / slug / f"clip-{n}.jpg") as clip:
            assert abs(clip.width - w * CLIP_SCALE) <= 3 and abs(clip.height - h * CLIP_SCALE) <= 3


def test_the_issue_page_has_a_thumbnail_per_printed_page_and_a_iiif_manifest(scanned):
    config, _ = scanned
    issue = (config.output / ISSUE / "index.html").read_text(encoding="utf-8")
    assert "版面导航" in issue and 'href="page-1/index.html"' in issue and 'src="page-1/thumb.jpg"' in issue
    manifest = json.loads((config.output / ISSUE / "manifest.json").read_text())
    assert manifest["type"] == "Manifest" and manifest["id"] == f"https://example.org/archive/{ISSUE}manifest.json"
    (canvas,) = manifest["items"]
    body = canvas["items"][0]["items"][0]["body"]
    assert body["id"].endswith("page-1/scan.jpg") and body["service"][0]["profile"] == "level0"
    links = canvas["annotations"][0]["items"]
    assert links and all(a["motivation"] == "linking" and "#xywh=" in a["target"] for a in links)


def test_pages_are_valid_html(scanned):
    class Strict(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids = []

        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name == "id":
                    assert value, f"empty id on <{tag}>"
                    self.ids.append(value)
    config, _ = scanned
    for page in ("page-1/index.html", "index.html"):
        parser = Strict()
        parser.feed((config.output / ISSUE / page).read_text(encoding="utf-8"))
        assert len(parser.ids) == len(set(parser.ids)), page


def test_a_second_build_keeps_the_image_files_and_an_edit_of_regions_remakes_only_the_clippings(scanned, tmp_path):
    config, _ = scanned
    before = snapshot(config.output)
    build(config)
    assert snapshot(config.output) == before
    article = article_files(config)[0]
    text = article.read_text(encoding="utf-8")
    write(article, re.sub(r"^regions: \[\[(\d+)", lambda m: f"regions: [[{int(m.group(1)) + 10}", text, flags=re.M))
    build(config)
    after = snapshot(config.output)
    changed = {p for p in after if after[p] != before.get(p)}
    assert any(p.endswith("clip-1.jpg") for p in changed)
    assert not any("/iiif/" in p for p in changed)
    write(article, text)
    build(config)


def test_a_text_only_archive_has_no_scan_files(sample_site):
    assert not (sample_site / "static/scans").exists()
    assert not list(sample_site.rglob("manifest.json"))


def test_regions_must_fit_a_scan_of_their_page(tmp_path):
    content = tmp_path / "content"
    scanned_issue(content, count=2)
    article = sorted((content / ISSUE).glob("*.md"))[0]
    text = article.read_text(encoding="utf-8")
    write(article, re.sub(r"^regions: .*$", "regions: [[0, 0, 99999, 10]]", text, flags=re.M))
    with pytest.raises(BuildError, match="outside the scan") as error:
        check(make_config(tmp_path, content))
    assert article.name in str(error.value) and "regions" in str(error.value)
    write(article, re.sub(r"^page: 1$", "page: 2", re.sub(r"^regions: .*$", "regions: [[0, 0, 10, 10]]", text, flags=re.M),
                          flags=re.M))
    with pytest.raises(BuildError, match="which has no scan"):
        check(make_config(tmp_path, content))
    write(article, re.sub(r"^regions: .*$", "regions: [[0, 0, -1, 10]]", text, flags=re.M))
    with pytest.raises(BuildError, match="boxes"):
        check(make_config(tmp_path, content))


def test_a_broken_scan_or_ocr_file_is_named(tmp_path):
    content = tmp_path / "content"
    scanned_issue(content, count=2)
    pages = content / ISSUE / "pages"
    (pages / "1.hocr").write_text("<html><body><div class='ocr_page'", encoding="utf-8")
    with pytest.raises(BuildError, match="1.hocr"):
        check(make_config(tmp_path, content))
    (pages / "1.hocr").unlink()
    (pages / "1.jpg").write_bytes(b"not a picture")
    with pytest.raises(BuildError, match="1.jpg"):
        check(make_config(tmp_path, content))


def test_ocr_text_reaches_the_page_only_as_data(tmp_path):
    """Words the OCR read (here a hostile hOCR) go into the page view as JSON in a script block:
    never as markup, never closing the script."""
    content = tmp_path / "content"
    scanned_issue(content, count=2)
    hocr = content / ISSUE / "pages/1.hocr"
    text = hocr.read_text(encoding="utf-8")
    hostile = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    hocr.write_text(re.sub(r"(<span class='ocrx_word'[^>]*>)[^<]*", lambda m: m.group(1) + hostile, text, count=1),
                    encoding="utf-8")
    config = make_config(tmp_path, content)
    build(config)
    page = (config.output / ISSUE / "page-1/index.html").read_text(encoding="utf-8")
    script = re.search(r'id="page-data">(.*?)</script>', page, re.S).group(1)
    assert "onerror" in script and "<" not in script
    assert "<img src=x" not in page


def test_two_scans_of_one_page_are_refused_naming_both(tmp_path):
    content = tmp_path / "content"
    scanned_issue(content, count=2)
    pages = content / ISSUE / "pages"
    from PIL import Image
    with Image.open(pages / "1.jpg") as scan:
        scan.save(pages / "1.png")
    with pytest.raises(BuildError, match="a second scan of page 1") as error:
        check(make_config(tmp_path, content))
    assert "1.jpg" in str(error.value) and "1.png" in str(error.value)


def test_a_new_scan_with_the_same_ocr_remakes_the_page_images(tmp_path):
    """The scan's digest is of the image (the OCR beside it has its own): a rescanned page shows."""
    config, _ = scanned_site(tmp_path)
    thumb = config.output / ISSUE / "page-1/thumb.jpg"
    before = thumb.read_bytes()
    from PIL import Image, ImageOps
    scan = config.content / ISSUE / "pages/1.jpg"
    with Image.open(scan) as image:
        ImageOps.invert(image.convert("RGB")).save(scan, quality=85)
    build(config)
    assert thumb.read_bytes() != before


def test_an_incremental_build_keeps_the_cached_images_of_the_pages_it_kept(tmp_path):
    """What images.py made stays in the cache while the site uses it, so that a clean build (--force)
    takes it from there instead of making every tile again."""
    import os

    from newsarchive.state import BuildState
    config, printed = scanned_site(tmp_path)
    made = sorted((BuildState(config).folder / "images").glob("*.pickle"))
    assert len(made) == 1 + len(printed)  # the page's files, and each article's clippings
    os.utime(article_files(config)[0])  # a build that reads again and keeps every image file
    build(config)
    assert sorted((BuildState(config).folder / "images").glob("*.pickle")) == made
