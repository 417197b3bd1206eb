"""What tests make: configs, articles (as model objects and as files), snapshots of built sites."""

from __future__ import annotations

import datetime
from pathlib import Path

from newsarchive.config import load_config
from newsarchive.model import Article

ROOT = Path(__file__).resolve().parent.parent
DAY = datetime.date(2024, 2, 2)


def make_config(tmp: Path, content: Path, **settings):
    """The project's config with another content folder and output in tmp."""
    overrides = {"content": str(content), "output": str(tmp / "site"), **settings}
    return load_config(ROOT / "config.yaml", overrides)


def make_article(**fields) -> Article:
    """An Article of the model (as parsed), with only what a test sets."""
    values = dict(source=f"{fields.get('slug', 'a')}.md", date=DAY, title="标题", section="时政", slug="a")
    values.update(fields)
    return Article(**values)


def article_text(**fields) -> str:
    """An article file's text: front matter of these fields (None leaves one out), a one-line body."""
    fields = {"title": "减少一次燃放 增加一份安全", "date": "2024-02-02", "section": "民生", **fields}
    lines = [f"{k}: {v}" for k, v in fields.items() if v is not None]
    return "---\n" + "\n".join(lines) + "\n---\n\n本报讯(记者 李佳琪)孔明灯属高空明火飞行器。\n"


def write(path: Path, text: str) -> Path:
    """A file with its folders, as UTF-8 with the line ends given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


SCAN_DATE = datetime.date(1946, 5, 15)


def scanned_issue(content: Path, seed: int = 2, columns: int = 2, count: int = 4):
    """An issue with a scanned page: a page typeset from the 1946 corpus (bench/scans.py), saved as
    its scan (pages/1.jpg) with the hOCR a perfect OCR would write of it (pages/1.hocr), and its
    articles imported from that hOCR, regions and all. Returns the articles printed (the truth)."""
    import random

    from bench.corpus import read_corpus
    from bench.scans import from_corpus, truth_ocr, typeset
    from newsarchive.importcmd import ImportOptions, run_import
    from newsarchive.tesseract import write_hocr
    from newsarchive.urls import date_folder
    rng = random.Random(seed)
    articles = from_corpus(read_corpus(), rng, count)
    for a in articles:
        a.paragraphs = a.paragraphs[:2]
    page, printed = typeset(articles, columns=columns, chars=12, lines_per_column=24)
    pages = content / date_folder(SCAN_DATE) / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    page.convert("RGB").save(pages / "1.jpg", quality=85)
    hocr = pages / "1.hocr"
    hocr.write_text(write_hocr(truth_ocr(page, printed), "1.jpg"), encoding="utf-8")
    run_import(ImportOptions(raw=hocr, date=SCAN_DATE, content=content, page=1))
    return printed


def scanned_site(tmp: Path, **settings):
    """A built archive of one scanned issue (scanned_issue): its config and the articles printed."""
    from newsarchive.pipeline import build
    content = tmp / "content"
    printed = scanned_issue(content)
    config = make_config(tmp, content, **settings)
    build(config)
    return config, printed
