"""Builds as a user runs them: the CLI, its errors, and what a failed build leaves behind."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsarchive.cli import make_parser
from newsarchive.errors import BuildError
from newsarchive.pipeline import build, check
from tests.conftest import ROOT, make_config


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True)


def write_article(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "---\ntitle: 孔明灯\ndate: 2024-02-02\nsection: 民生\nslug: kmd\n---\n\n正文。\n"


def test_help_documents_every_command():
    top = run("--help").stdout
    commands = make_parser()._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert name in top
        text = run(name, "--help").stdout
        for action in sub._actions:
            for flag in action.option_strings:
                assert flag in text


def test_cli_builds_with_options_and_reports_counts(tmp_path):
    content = tmp_path / "content"
    write_article(content / "2024/02/02", "a.md", GOOD)
    result = run("--content", str(content), "--out", str(tmp_path / "out"), "--base-url", "https://u.github.io/r")
    assert result.returncode == 0, result.stderr
    assert "1 篇文章" in result.stdout
    html = (tmp_path / "out/2024/02/02/kmd/index.html").read_text(encoding="utf-8")
    assert 'href="https://u.github.io/r/2024/02/02/kmd/"' in html


def test_without_a_config_file_the_working_folder_is_the_archive(tmp_path):
    write_article(tmp_path / "content/2024/02/02", "a.md", GOOD)
    result = run(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site/2024/02/02/kmd/index.html").is_file()
    assert (tmp_path / "site/static/style.css").is_file()  # the built-in layouts


def test_bad_content_exits_non_zero_naming_file_line_and_field(tmp_path):
    content = tmp_path / "content"
    write_article(content / "2024/02/02", "a.md", GOOD.replace("date: 2024-02-02", "date: 2024-02-30"))
    write_article(content / "2024/02/02", "b.md", GOOD.replace("title: 孔明灯\n", "").replace("kmd", "b"))
    result = run("build", "--content", str(content), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "a.md:3: field 'date': expected an ISO date such as 2024-02-02, got '2024-02-30'" in result.stderr
    assert "b.md:1: field 'title': is required" in result.stderr
    assert not (tmp_path / "out").exists()


def test_check_validates_templates_too_and_writes_nothing(tmp_path):
    content = tmp_path / "content"
    write_article(content / "2024/02/02", "a.md", GOOD)
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "article.html").write_text('{% extends "_base.html" %}\n{% block main %}\n{{ article.nope }}\n{% endblock %}\n')
    config = make_config(tmp_path, content, layouts=str(layouts))
    with pytest.raises(BuildError) as info:
        check(config)
    (problem,) = info.value.problems
    assert problem.path.endswith("article.html") and problem.line == 3 and "nope" in problem.message
    assert not config.output.exists()


def test_a_failed_build_leaves_the_previous_site_intact(tmp_path):
    content = tmp_path / "content"
    write_article(content / "2024/02/02", "a.md", GOOD)
    config = make_config(tmp_path, content)
    build(config)
    before = {p: p.read_bytes() for p in config.output.rglob("*") if p.is_file()}
    write_article(content / "2024/02/02", "b.md", GOOD)  # same URL as a.md
    with pytest.raises(BuildError, match="a.md"):
        build(config)
    after = {p: p.read_bytes() for p in config.output.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith((".staging-", ".old-"))] == []


def test_a_build_killed_midway_leaves_the_previous_site_intact(tmp_path):
    content = tmp_path / "content"
    for i in range(300):
        write_article(content / "2024/02/02", f"{i:03d}.md", GOOD.replace("kmd", f"a{i}"))
    out = tmp_path / "out"
    assert run("--content", str(content), "--out", str(out)).returncode == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out", str(out), "--force"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline and not any(p.name.startswith(".staging-") for p in tmp_path.iterdir()):
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".staging-")], "the build was not killed midway"
    assert run("--content", str(content), "--out", str(out)).returncode == 0
    assert [p for p in tmp_path.iterdir() if p.name.startswith((".staging-", ".old-"))] == []  # abandoned staging gone
    assert [p for p in (tmp_path / ".newsarchive-cache/out").iterdir() if p.name.startswith(".")] == []


def test_a_build_with_nothing_changed_leaves_the_site_alone_and_a_change_rebuilds(tmp_path):
    content = tmp_path / "content"
    article = write_article(content / "2024/02/02", "a.md", GOOD)
    out = tmp_path / "out"
    assert run("--content", str(content), "--out", str(out)).returncode == 0
    page = out / "2024/02/02/kmd/index.html"
    inode = page.stat().st_ino
    again = run("--content", str(content), "--out", str(out))
    assert again.returncode == 0 and "没有变化" in again.stdout and page.stat().st_ino == inode
    article.write_text(GOOD.replace("title: 孔明灯", "title: 天灯"), encoding="utf-8")
    changed = run("--content", str(content), "--out", str(out))
    assert "已生成" in changed.stdout and "<h1>天灯</h1>" in page.read_text(encoding="utf-8")
    shutil.rmtree(out)
    assert "已生成" in run("--content", str(content), "--out", str(out)).stdout  # a deleted site is rebuilt


def test_the_output_folder_must_not_be_a_folder_of_the_users(tmp_path):
    content = tmp_path / "content"
    write_article(content / "2024/02/02", "a.md", GOOD)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("my work")
    with pytest.raises(BuildError, match="not written by newsarchive"):
        build(make_config(tmp_path, content, output=str(mine)))
    with pytest.raises(BuildError, match="must not contain"):
        build(make_config(tmp_path, content, output=str(tmp_path)))
    assert (mine / "thesis.docx").read_text() == "my work"
    assert (content / "2024/02/02/a.md").read_text(encoding="utf-8") == GOOD


def test_the_build_never_writes_into_content(tmp_path):
    content = tmp_path / "content"
    write_article(content / "2024/02/02", "a.md", GOOD)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in content.rglob("*") if p.is_file()}
    build(make_config(tmp_path, content))
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in content.rglob("*") if p.is_file()} == before


def test_serve_builds_serves_and_rebuilds_on_change(tmp_path):
    import socket
    import urllib.request
    content = tmp_path / "content"
    write_article(content / "2024/02/02", "a.md", GOOD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port), "--content", str(content),
                             "--out", str(tmp_path / "out")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = f"http://127.0.0.1:{port}/2024/02/02/kmd/index.html"

        def fetch():
            for _ in range(100):
                try:
                    return urllib.request.urlopen(url, timeout=2).read().decode()
                except OSError:
                    time.sleep(0.1)
            raise AssertionError("server did not answer")
        assert "<h1>孔明灯</h1>" in fetch()
        write_article(content / "2024/02/02", "a.md", GOOD.replace("title: 孔明灯", "title: 天灯"))
        for _ in range(60):
            if "<h1>天灯</h1>" in fetch():
                break
            time.sleep(0.2)
        assert "<h1>天灯</h1>" in fetch()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_build_reports_its_progress_as_it_goes_stage_by_stage(corpus_content, tmp_path, monkeypatch):
    """Progress comes chunk by chunk (not once a process has done all its share), in both
    processes, with the stage's total from the start; a rebuild reports only what it does."""
    import newsarchive.articles as articles
    monkeypatch.setattr(articles, "PARALLEL_MIN", 10)  # the corpus (159 articles) parsed in two processes
    monkeypatch.setattr(articles, "PARSE_CHUNK", 20)
    content = tmp_path / "content"
    shutil.copytree(corpus_content, content)
    reports: list[tuple[str, int, int]] = []
    build(make_config(tmp_path, content), lambda *report: reports.append(report), jobs=2)

    def of(stage):
        return [(done, total) for s, done, total in reports if s == stage]
    for stage in ("read", "render", "index"):
        seen = of(stage)
        assert seen and len({total for _, total in seen}) == 1, stage
        assert [done for done, _ in seen] == sorted(done for done, _ in seen) and seen[-1][0] == seen[-1][1], stage
    assert of("read")[-1] == (159, 159) and len(of("read")) == 8  # 159 files, 20 at a time
    assert len(of("render")) >= 16  # at least 8 chunks a process
    assert of("index") == [(159, 159)]  # one shard (1946)
    pieces = of("render")[-1][1]
    # an edit: every file read (all from the cache but one), a few pieces rendered, its shard indexed
    reports.clear()
    article = sorted(content.rglob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8").replace("\n---\n\n", "\n---\n\n（更正）", 1), encoding="utf-8")
    build(make_config(tmp_path, content), lambda *report: reports.append(report), jobs=2)
    assert of("read") == [(159, 159)] and of("index") == [(159, 159)]
    assert of("render") and of("render")[-1][0] == of("render")[-1][1] < pieces / 4


def test_progress_lines_on_a_terminal_and_in_a_log():
    import io
    from newsarchive.cli import ProgressPrinter, progress_line
    assert progress_line("生成页面", 3000, 12034, 75.4) == "生成页面 [#####...................] 3,000/12,034  24% 1:15"

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    screen = Terminal()
    printer = ProgressPrinter(screen)
    for done in (100, 200, 300):
        printer("read", done, 300)
    assert screen.getvalue().count("\r") == 3 and screen.getvalue().endswith("300/300 100% 0:00\n")
    log = io.StringIO()
    printer = ProgressPrinter(log)
    for done in range(0, 12001, 100):
        printer("render", done, 12000)
    printer("index", 50, 50)  # a small stage: nothing in a log
    assert [line.split("] ")[1].split("/")[0] for line in log.getvalue().splitlines()] == ["3,000", "6,000", "9,000", "12,000"]
