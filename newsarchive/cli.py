"""Command line: build (default), check, serve."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .config import Config, load_config
from .errors import BuildError

EPILOG = """\
commands:
  build   build the site into the output folder (the default when no command is given)
  check   read and validate all content and templates; write nothing
  serve   build, serve the output on 127.0.0.1 and rebuild when content, layouts or config change
  import  turn a raw page (OCR or layout export text, hOCR or ALTO) into article files under content/YYYY/MM/DD/
  ocr     read scans with Tesseract, keep them (and their hOCR) in the issue's pages/, and import them

Examples:
  python build.py                                # build the sample archive into site/
  python build.py build --base-url https://user.github.io/repo/
  python build.py check --content ~/paper/content
  python build.py serve --port 8000
  python build.py import ../shared/seed/raw-page.txt --date 2024-02-02 --page 1 --report report.json
  python build.py ocr scans/p1.jpg scans/p2.jpg --date 1946-05-15 --page 1
"""


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="path to config.yaml (default: ./config.yaml; without one, "
                        "content/, layouts/ and site/ in the working folder)")
    parser.add_argument("--content", type=Path, help="folder of article files (default: content/ from config)")
    parser.add_argument("--out", type=Path, help="output folder (default: site/ from config)")
    parser.add_argument("--base-url", help="absolute URL the site is published at, for canonical links")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description="newsarchive: build a searchable static archive of newspaper articles.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser("build", help="build the site (default)", description="Build the site into the output folder. "
                                "The previous output is replaced only when the whole build succeeded; when nothing it "
                                "reads has changed, it is left as it is.")
    add_common(build)
    build.add_argument("--force", action="store_true", help="build even when nothing seems to have changed")
    build.add_argument("--jobs", type=int, default=0, help="processes that render pages (default: one per core)")
    check = commands.add_parser("check", help="validate content and templates, write nothing",
                                description="Read and validate every article, issue file and template; write nothing.")
    add_common(check)
    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on change",
                                description="Build, serve the output on 127.0.0.1 and rebuild when content, layouts or config change.")
    add_common(serve)
    serve.add_argument("--port", type=int, default=8000, help="port to serve on (default: 8000)")
    imp = commands.add_parser("import", help="turn a raw page into article files",
                              description="Turn a raw page (UTF-8 or GB18030 text from OCR or a layout export) into "
                              "one Markdown file per article under CONTENT/YYYY/MM/DD/. Prints what it found and every "
                              "warning; never overwrites a file without --force.")
    imp.add_argument("raw", type=Path, metavar="RAW_PAGE", help="the raw page: text, hOCR (.hocr) or ALTO (.xml)")
    add_import_options(imp)
    ocr = commands.add_parser("ocr", help="OCR scans with Tesseract and import them",
                              description="Read each scan (JPEG, PNG, TIFF) with Tesseract, column by column; copy it "
                              "into CONTENT/YYYY/MM/DD/pages/N.* with its hOCR beside it (N: --page, then the next "
                              "pages), and import its articles with their regions on the scan. Lines Tesseract was "
                              "unsure of are reported, never corrected.")
    ocr.add_argument("scans", type=Path, nargs="+", metavar="SCAN",
                     help="scanned pages, in page order (a PDF: each of its pages, rendered at 300 dpi)")
    ocr.add_argument("--lang", default="chi_sim", help="Tesseract language (default chi_sim; chi_tra for 繁體)")
    add_import_options(ocr)
    return parser


def add_import_options(imp: argparse.ArgumentParser) -> None:
    imp.add_argument("--date", required=True, type=iso_date, help="the issue date, YYYY-MM-DD")
    imp.add_argument("--page", type=int, default=1, help="the page (版) number (default: 1)")
    imp.add_argument("--section", default="要闻", help="section of the imported articles (default: 要闻)")
    imp.add_argument("--paper", help="paper name, written to the issue's issue.yaml when it has none")
    imp.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content/)")
    imp.add_argument("--report", type=Path, help="also write the report (lines, decisions, warnings) as JSON")
    imp.add_argument("--dry-run", action="store_true", help="show what would be written; write nothing")
    imp.add_argument("--force", action="store_true", help="replace existing files of the same articles")
    imp.add_argument("--topics", choices=("none", "auto"), default="none",
                     help="auto: write the topics suggested from each article's text (jieba) into its file; "
                     "they are always listed in the report (default: none, topics: [])")


def iso_date(value: str):
    import datetime
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}")


def config_path(args: argparse.Namespace) -> Path:
    """--config, or ./config.yaml (when absent: defaults, relative to the working folder)."""
    return args.config if args.config is not None else Path("config.yaml")


def config_from(args: argparse.Namespace) -> Config:
    """The config file's settings with command-line overrides."""
    path = config_path(args)
    overrides = {"content": str(args.content.resolve()) if args.content else None,
                 "output": str(args.out.resolve()) if args.out else None,
                 "base_url": args.base_url}
    return load_config(path, overrides, must_exist=args.config is not None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = make_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    args = parser.parse_args(argv)
    from . import pipeline  # imported here so that --help stays fast
    try:
        if args.command == "import":
            return import_page(args)
        if args.command == "ocr":
            return ocr_pages(args)
        config = config_from(args)
        if args.command == "check":
            site = pipeline.check(config)
            print_warnings(map(str, site.warnings))
            print(f"检查通过：{len(site.articles)} 篇文章，{len(site.issues)} 期，没有发现问题。")
        elif args.command == "serve":
            from .serve import serve
            serve(lambda: config_from(args), config_path(args), args.port)
        else:
            stats = pipeline.build(config, ProgressPrinter(), force=args.force, jobs=args.jobs)
            print_warnings(stats.warnings)
            if stats.unchanged:
                print(f"没有变化：{config.output} 已是最新（{stats.articles} 篇文章），用时 {stats.seconds:.2f} 秒。")
            else:
                print(f"已生成 {config.output}：{stats.articles} 篇文章，{stats.issues} 期，"
                      f"{stats.pages} 个页面，{stats.indexed} 篇编入搜索索引（{stats.shards} 个分卷，"
                      f"{stats.shards_reused} 个未变沿用），用时 {stats.seconds:.1f} 秒。")
    except BuildError as exc:
        print(f"构建失败 (build failed): {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only or mounted output folder: said plainly, no traceback
        print(f"构建失败 (build failed): {os_error_message(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断，未改动输出目录。", file=sys.stderr)
        return 130
    return 0


def os_error_message(exc: OSError) -> str:
    """What the system refused, where, and what to do about it."""
    import errno
    where = " → ".join(str(f) for f in (exc.filename, exc.filename2) if f) or "?"
    hint = {errno.ENOSPC: "the disk is full: free some space and build again (the previous site is unchanged)",
            errno.EROFS: "the file system is read-only",
            errno.EACCES: "permission denied: the output folder (or the folder it is in) must be writable",
            errno.EPERM: "permission denied: the output folder (or the folder it is in) must be writable",
            errno.EBUSY: "the output folder is in use or a mount point: a build replaces it whole, so choose "
                         "--out inside it (or not a mount point)",
            errno.EXDEV: "the output folder is a mount point or on another file system than its parent: choose "
                         "--out inside it"}.get(exc.errno, "")
    return f"{where}: {exc.strerror or exc}" + (f" — {hint}" if hint else "")


def print_warnings(warnings) -> None:
    """What the content got away with, one line each, on stderr."""
    for warning in warnings:
        print(f"注意 (warning): {warning}", file=sys.stderr)


def import_options(args: argparse.Namespace, raw: Path, page: int):
    from .importcmd import ImportOptions
    return ImportOptions(raw=raw, date=args.date, content=args.content, page=page, section=args.section,
                         paper=args.paper or "", report=args.report, dry_run=args.dry_run, force=args.force,
                         topics=args.topics)


def import_page(args: argparse.Namespace) -> int:
    from .importcmd import run_import, summary, write_issue_paper
    options = import_options(args, args.raw, args.page)
    _, report = run_import(options)
    if options.paper and not options.dry_run:
        write_issue_paper(options)
    print(summary(report, options.dry_run))
    return 0


def ocr_pages(args: argparse.Namespace) -> int:
    import tempfile
    from .tesseract import pdf_pages
    with tempfile.TemporaryDirectory(prefix="newsarchive-pdf-") as tmp:  # a PDF: a scan a page
        scans = [page for scan in args.scans
                 for page in (pdf_pages(scan, Path(tmp)) if scan.suffix.lower() == ".pdf" else [scan])]
        return ocr_scans(args, scans)


def ocr_scans(args: argparse.Namespace, scans: list[Path]) -> int:
    """Each scan as the next page: OCR, kept, imported; a summary of each."""
    from .importcmd import ocr_and_import, summary, write_issue_paper
    for n, scan in enumerate(scans):
        options = import_options(args, scan, args.page + n)
        print(f"第 {options.page} 版：正在识别 {scan}（Tesseract {args.lang}）……", file=sys.stderr, flush=True)
        _, report = ocr_and_import(options, args.lang)
        print(summary(report, options.dry_run))
        if options.paper and not options.dry_run:
            write_issue_paper(options)
    return 0


class ProgressPrinter:
    """Progress of a build on stderr: on a terminal one line a stage, with a bar, redrawn as it goes;
    in a log (not a terminal) a line at each quarter of a stage of 1,000 or more."""

    LABELS = {"read": "读取文章", "render": "生成页面", "index": "建立搜索索引"}

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.mark = time.perf_counter()  # when the stage under way began: the last one's end
        self.started: dict[str, float] = {}
        self.quarter: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        seconds = now - self.started.setdefault(stage, self.mark)
        if done >= total:
            self.mark = now
        if total <= 0:
            return
        line = progress_line(self.LABELS.get(stage, stage), done, total, seconds)
        if self.stream.isatty():
            print(f"\r{line}", end="\n" if done >= total else "", file=self.stream, flush=True)
        elif total >= 1000 and 4 * done // total > self.quarter.get(stage, 0):
            self.quarter[stage] = 4 * done // total
            print(line, file=self.stream, flush=True)


def progress_line(label: str, done: int, total: int, seconds: float, width: int = 24) -> str:
    """生成页面 [#####...................] 3,000/12,034  24% 0:02"""
    filled = width * done // total
    return (f"{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} {100 * done // total:3d}%"
            f" {int(seconds) // 60}:{int(seconds) % 60:02d}")
