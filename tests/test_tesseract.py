"""Real Tesseract on a made scan: `build.py ocr` keeps the scan and its hOCR and imports its articles
in their regions. (A strip of two columns: Tesseract takes about a minute an A4 page.)"""

from __future__ import annotations

import random
import shutil
import statistics

import pytest

from bench.corpus import read_corpus
from bench.ocr_accuracy import article_text, edit_distance, iou
from bench.scans import damage, from_corpus, typeset
from newsarchive.cli import main
from newsarchive.errors import BuildError
from newsarchive.importcmd import ImportOptions, ocr_and_import
from tests.conftest import require
from tests.factories import SCAN_DATE


def test_a_scan_is_read_kept_and_imported_with_its_regions(tmp_path):
    require(shutil.which("tesseract") is not None, "Tesseract is not installed (apt-get install tesseract-ocr "
            "tesseract-ocr-chi-sim)")
    rng = random.Random(11)
    articles = from_corpus(read_corpus(), rng, 6)
    for a in articles:
        a.paragraphs = a.paragraphs[:2]
    page, printed = typeset(articles, columns=2, chars=12, lines_per_column=26)
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(damage(page, rng, printed))
    content = tmp_path / "content"
    assert main(["ocr", str(scan), "--date", SCAN_DATE.isoformat(), "--page", "3", "--content", str(content),
                 "--report", str(tmp_path / "report.json")]) == 0
    pages = content / "1946/05/15/pages"
    assert (pages / "3.jpg").read_bytes() == scan.read_bytes() and "ocr_page" in (pages / "3.hocr").read_text()
    import json
    report = json.loads((tmp_path / "report.json").read_text())
    found = [(a, a["title"] + a["subtitle"] + "".join(open(a["file"], encoding="utf-8").read().split("---", 2)[2].split()))
             for a in report["articles"]]
    scores = []
    for truth in printed:  # each true article: the imported one nearest to its text, and how well it is placed
        text = article_text(truth)
        best, got = min(found, key=lambda pair: edit_distance(text, pair[1]))
        assert edit_distance(text, got) < 0.3 * len(text), (truth.title, got[:40])
        scores.append(iou(truth.boxes, best["regions"]))
    assert statistics.median(scores) >= 0.85, scores
    # the same scan again: nothing to replace; another scan of page 3: refused without --force
    other = tmp_path / "other.jpg"
    other.write_bytes(damage(page, random.Random(12), []))
    with pytest.raises(BuildError, match="exists already"):
        ocr_and_import(ImportOptions(raw=other, date=SCAN_DATE, content=content, page=3))


def test_without_tesseract_it_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    scan = tmp_path / "scan.png"
    from PIL import Image
    Image.new("L", (100, 100), 255).save(scan)
    with pytest.raises(BuildError, match="apt-get install tesseract-ocr tesseract-ocr-chi-sim"):
        ocr_and_import(ImportOptions(raw=scan, date=SCAN_DATE, content=tmp_path / "content", page=1))


def test_a_pdf_gives_a_scan_a_page(tmp_path):
    from PIL import Image
    from newsarchive.tesseract import PDF_DPI, pdf_pages
    pages = [Image.new("RGB", (300, 400), "white"), Image.new("RGB", (300, 400), "white")]
    pages[0].save(tmp_path / "issue.pdf", save_all=True, append_images=pages[1:], resolution=100)
    scans = pdf_pages(tmp_path / "issue.pdf", tmp_path)
    assert [p.name for p in scans] == ["issue-1.png", "issue-2.png"]
    with Image.open(scans[0]) as scan:
        assert abs(scan.width - 300 * PDF_DPI // 100) <= 2 and abs(scan.height - 400 * PDF_DPI // 100) <= 2
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 nonsense")
    with pytest.raises(BuildError, match="bad.pdf"):
        pdf_pages(tmp_path / "bad.pdf", tmp_path)
