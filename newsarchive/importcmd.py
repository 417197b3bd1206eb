"""`build.py import`: a raw page → article files under content/YYYY/MM/DD/, and a report."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .articles import display_path, split_front_matter
from .body import markdown_escape
from .clean import removed, single_line, strip_controls
from .errors import BuildError, Problem
from .importer import Draft, PageImport, check_nothing_lost, parse_page
from .ocr import OcrPage, ocr_format, page_text, read_ocr, regions_for
from .rawpage import decode
from .scans import OCR_SUFFIXES, SCAN_TYPES
from .topics import suggest_topics
from .urls import date_folder, slugify


@dataclass(frozen=True)
class ImportOptions:
    raw: Path
    date: datetime.date
    content: Path
    page: int = 1
    section: str = "要闻"
    paper: str = ""
    report: Path | None = None
    dry_run: bool = False
    force: bool = False
    topics: str = "none"  # "auto": write the suggested topics into the front matter (always in the report)


def quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def article_text(draft: Draft, options: ImportOptions, order: int, slug: str, topics: list[str]) -> str:
    """The article file: front matter of the content model, then the Markdown body."""
    fm = []
    if draft.kicker:
        fm.append(f"kicker: {quoted(draft.kicker[0])}")
    fm.append(f"title: {quoted(draft.title[0])}")
    if draft.subtitle:
        fm.append(f"subtitle: {quoted(draft.subtitle[0])}")
    fm += [f"date: {options.date.isoformat()}", f"section: {quoted(options.section)}",
           f"page: {options.page}", f"order: {order}"]
    if len(draft.reporters) == 1:
        fm.append(f"reporter: {quoted(draft.reporters[0])}")
    elif draft.reporters:
        fm.append("reporter: [" + ", ".join(quoted(r) for r in draft.reporters) + "]")
    fm += ["topics: [" + ", ".join(quoted(t) for t in (topics if options.topics == "auto" else [])) + "]",
           f"slug: {slug}"]
    if draft.regions:  # boxes on the scan of its page (pages/N.*): x, y, width, height in pixels
        fm.append("regions: [" + ", ".join(f"[{x}, {y}, {w}, {h}]" for x, y, w, h in draft.regions) + "]")
    body = "\n\n".join(("### " + markdown_escape(p.text, heading=True)) if p.kind == "h3" else markdown_escape(p.text)
                       for p in draft.paras)  # published exactly as printed: nothing Markdown would read
    return "---\n" + "\n".join(fm) + "\n---\n\n" + body + "\n"


def existing_slug(path: Path) -> str:
    try:
        return str(split_front_matter(path.read_text(encoding="utf-8"), path.name).data.get("slug") or "")
    except (OSError, BuildError, UnicodeDecodeError):
        return ""


def draft_text(draft: Draft) -> str:
    return "\n".join(draft.kicker + draft.title + draft.subtitle + [p.text for p in draft.paras])


def plan(result: PageImport, options: ImportOptions) -> list[tuple[Path, str, Draft]]:
    """(path, text, draft) of each file to write; names are stable so a re-import gives the same files.

    The file an earlier import of this page wrote for the same place on it (NN-MM-*.md) is the
    same article, even under a headline corrected since: it keeps its file and its slug (its URL)."""
    folder = options.content / date_folder(options.date)
    earlier = {}
    for path in sorted(folder.glob(f"{options.page:02d}-[0-9][0-9]-*.md")) if folder.is_dir() else []:
        earlier.setdefault(int(path.name[3:5]), path)
    slots = []
    for order, draft in enumerate(result.articles, 1):
        base = slugify(draft.title[0], 40)
        path = earlier.get(order) or folder / f"{options.page:02d}-{order:02d}-{base}.md"
        slots.append((order, base, path, existing_slug(path) if path.exists() else ""))
    for draft in result.articles:
        draft.topics = suggest_topics(draft_text(draft))
    ours = {path for _, _, path, _ in slots}
    taken = {existing_slug(p) for p in (folder.glob("*.md") if folder.is_dir() else []) if p not in ours}
    files = []
    for (order, base, path, kept), draft in zip(slots, result.articles):
        slug, n = kept or base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        files.append((path, article_text(draft, options, order, slug, draft.topics), draft))
    return files


def check_options(options: ImportOptions) -> None:
    """Refuse options that would write a wrong file, or fail halfway, before anything is read."""
    problems = []
    if options.page < 1:
        problems.append(Problem("--page", f"expected a page number ≥ 1, got {options.page}"))
    if not single_line(options.section):
        problems.append(Problem("--section", "expected a section name, got nothing"))
    if options.content.exists() and not options.content.is_dir():
        problems.append(Problem("--content", f"{options.content} is a file, not the content folder"))
    if options.report and not options.report.parent.is_dir():
        problems.append(Problem("--report", f"no folder {options.report.parent} to write the report into"))
    if options.report and options.report.is_dir():
        problems.append(Problem("--report", f"{options.report} is a folder: name the report's file"))
    if problems:
        raise BuildError(problems)


def backup_name(path: Path) -> Path:
    """Where --force keeps the file it replaces: beside it, with a name the build does not read."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup, n = path.with_name(f"{path.name}.{stamp}.bak"), 2
    while backup.exists():
        backup, n = path.with_name(f"{path.name}.{stamp}-{n}.bak"), n + 1
    return backup


def report_data(options: ImportOptions, encoding: str, result: PageImport, files) -> dict:
    return {
        "source": str(options.raw), "encoding": encoding, "date": options.date.isoformat(), "page": options.page,
        "articles": [{
            "file": display_path(path), "kicker": d.kicker[0] if d.kicker else "", "title": d.title[0],
            "subtitle": d.subtitle[0] if d.subtitle else "", "reporter": d.reporters,
            "lines": sorted(set(d.headline_lines + [span for p in d.paras for span in p.lines])),
            "decisions": d.decisions, "warnings": d.warnings,
            "suggested_topics": d.topics, "regions": [list(r) for r in d.regions],
        } for path, _, d in files],
        "removed": [{**f, "action": "dropped page furniture", "confidence": 0.9} for f in result.furniture],
        "warnings": result.warnings,
    }


def run_import(options: ImportOptions) -> tuple[list[Path], dict]:
    """Import a raw page; write nothing unless everything is in order. Returns (files, report).

    With --force, a file that differs from what the import makes (edited by hand, say) is kept
    beside the new one as NAME.md.<time>.bak, and the report and summary name it."""
    check_options(options)
    shown = display_path(options.raw)
    try:
        data = options.raw.read_bytes()
    except OSError as exc:
        raise BuildError([Problem(shown, f"cannot read the page: {exc.strerror}")])
    text, encoding = decode(data, shown)
    text, controls = strip_controls(text)
    ocr = read_ocr(text, shown) if is_ocr(options.raw, text) else None
    if ocr is not None:
        text, where = page_text(ocr)
    result = parse_page(text, shown)
    result.warnings += [{"line": line, "warning": removed(char)} for line, char in controls]
    check_nothing_lost(text, result, shown)
    if ocr is not None:
        place_on_scan(result, ocr, where)
    files = plan(result, options)
    clashes = [p for p, content, _ in files if p.exists() and p.read_text(encoding="utf-8") != content]
    if clashes and not options.force:
        raise BuildError([Problem(display_path(p), "exists already: not overwritten (use --force to replace it)")
                          for p in clashes])
    report = report_data(options, encoding, result, files)
    backups = {path: backup_name(path) for path in clashes}
    report["replaced"] = [{"file": display_path(p), "backup": display_path(b)} for p, b in backups.items()]
    if not options.dry_run:
        for path, content, _ in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path in backups:
                shutil.copy2(path, backups[path])
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".md")
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                out.write(content)
            os.replace(tmp, path)
        if options.report:
            options.report.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [p for p, _, _ in files], report


LOW_CONFIDENCE = 0.6  # OCR word confidence below which its line is reported (never corrected)


def is_ocr(path: Path, text: str) -> bool:
    """hOCR or ALTO (their boxes place each article on its scan), not a plain raw page."""
    return path.suffix.lower() in OCR_SUFFIXES + (".html", ".xhtml") and ocr_format(text) is not None


def place_on_scan(result: PageImport, ocr: OcrPage, where: dict) -> None:
    """Each article's regions from its lines' boxes; lines the OCR was unsure of, as warnings."""
    for draft in result.articles:
        draft.regions = regions_for(draft.lines(), where)  # in reading order
    for n, line in ((n, line) for n, lines in sorted(where.items()) for line in lines):
        if line.confidence < LOW_CONFIDENCE:
            unsure = "".join(t for t, _, c in line.words if c < LOW_CONFIDENCE)
            result.warnings.append({"line": n, "warning": f"OCR unsure ({line.confidence:.2f}) of 「{unsure}」 in "
                                    f"「{line.text}」: kept as read, check it against the scan"})


def summary(report: dict, dry_run: bool) -> str:
    """The human summary printed after an import."""
    lines = [f"{'将导入' if dry_run else '已导入'} {len(report['articles'])} 篇文章（{report['encoding']}）："]
    for a in report["articles"]:
        who = "、".join(a["reporter"]) or "未署名"
        lines.append(f"  {a['file']}  {' '.join(x for x in (a['kicker'], a['title'], a['subtitle']) if x)} — {who}")
        if a["suggested_topics"]:
            lines.append(f"      建议主题（suggested topics）：{'、'.join(a['suggested_topics'])}")
    for r in report["removed"]:
        lines.append(f"  删除版面杂项（第 {r['line']} 行，{r['reason']}）：{r['text']}")
    for w in report["warnings"]:
        lines.append(f"  注意（第 {w['line']} 行）：{w['warning']}")
    for r in report.get("replaced", []):
        lines.append(f"  {'将替换' if dry_run else '已替换'} {r['file']}（它与导入结果不同；原文件"
                     f"{'将' if dry_run else '已'}另存为 {r['backup']}）")
    if dry_run:
        lines.append("（--dry-run：没有写入任何文件）")
    return "\n".join(lines)


def ocr_and_import(options: ImportOptions, language: str = "chi_sim") -> tuple[list[Path], dict]:
    """OCR a scan (options.raw) with Tesseract, keep it and its hOCR as the page's scan
    (CONTENT/YYYY/MM/DD/pages/N.ext and N.hocr), and import the hOCR. An existing scan of the
    page is replaced only with --force (kept as a backup, as article files are)."""
    from .tesseract import ocr_scan, write_hocr
    check_options(options)
    scan = options.raw
    if scan.suffix.lower() not in SCAN_TYPES:
        raise BuildError([Problem(str(scan), f"expected a scan ({', '.join(SCAN_TYPES)}), got {scan.suffix or 'no suffix'}")])
    if not scan.is_file():
        raise BuildError([Problem(str(scan), "no such file")])
    pages = options.content / date_folder(options.date) / "pages"
    kept_scan = pages / f"{options.page}{scan.suffix.lower()}"
    hocr = pages / f"{options.page}.hocr"
    olds = [p for p in pages.glob(f"{options.page}.*") if p.suffix.lower() in SCAN_TYPES + OCR_SUFFIXES] \
        if pages.is_dir() else []
    if olds and not options.force and not (kept_scan.exists() and kept_scan.read_bytes() == scan.read_bytes()):
        raise BuildError([Problem(display_path(p), "a scan of this page exists already: not replaced "
                                  "(use --force to replace it)") for p in olds])
    page = ocr_scan(scan, language)
    text = write_hocr(page, kept_scan.name, language)
    if options.dry_run:
        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / hocr.name
            probe.write_text(text, encoding="utf-8")
            return run_import(replace_raw(options, probe))
    pages.mkdir(parents=True, exist_ok=True)
    for old in olds:  # kept beside, under a name the build does not read
        if old != kept_scan or old.read_bytes() != scan.read_bytes():
            os.replace(old, backup_name(old))
    if kept_scan.resolve() != scan.resolve():
        shutil.copyfile(scan, kept_scan)
    hocr.write_text(text, encoding="utf-8")
    return run_import(replace_raw(options, hocr))


def replace_raw(options: ImportOptions, raw: Path) -> ImportOptions:
    from dataclasses import replace
    return replace(options, raw=raw)


def write_issue_paper(options: ImportOptions) -> None:
    """Create the issue's issue.yaml with the paper name, unless it exists (never overwritten)."""
    path = options.content / date_folder(options.date) / "issue.yaml"
    if not path.exists():
        path.write_text(f"paper: {quoted(options.paper)}\n", encoding="utf-8")
