"""What an attacker or a careless archivist tried (issue 15): each protection, and a test that fails without it."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from newsarchive.errors import BuildError
from newsarchive.pipeline import build, check
from tests.factories import make_config, write
from tests.sitecheck import html_files

ARTICLE = "---\ntitle: {title}\ndate: 2024-02-02\nsection: 民生\nslug: {slug}\n{extra}---\n\n{body}\n"


def article(content: Path, slug: str, body: str = "正文。", title: str = "孔明灯", extra: str = "",
            day: str = "2024/02/02") -> Path:
    return write(content / day / f"{slug}.md", ARTICLE.format(title=title, slug=slug, extra=extra, body=body))


def problems_of(config) -> list:
    with pytest.raises(BuildError) as info:
        check(config)
    with pytest.raises(BuildError) as again:
        build(config)
    assert [str(p) for p in info.value.problems] == [str(p) for p in again.value.problems]  # check = build
    assert not config.output.exists()
    return info.value.problems


# 1. Script from a link -------------------------------------------------------------------------

UNSAFE_LINKS = ["[链接](javascript:alert(1))", "[链接](JaVaScRiPt:alert(1))", "[链接](&#106;avascript:alert(1))",
                "[链接](&#x6A;avascript&colon;alert(1))", "[链接][ref]\n\n[ref]: javascript:alert(1)",
                "[链接](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "[链接](vbscript:msgbox(1))",
                "![图](javascript:alert(1))", "[链接](<javascript:alert(1)>)", "[链接]( \tjavascript:alert(1))"]


@pytest.fixture(scope="module")
def link_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("links")
    content = tmp / "content"
    for n, link in enumerate(UNSAFE_LINKS):
        article(content, f"a{n}", body=f"第一段。\n\n见{link}所列。\n\n[安全](https://example.org/)、[本站](../a0/index.html)")
    config = make_config(tmp, content)
    stats = build(config)
    return config, stats


def test_links_that_could_run_script_become_text_with_a_warning(link_site):
    config, stats = link_site
    for path in html_files(config.output):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'(?:href|src)="\s*(?:&#0*106;|&#x0*6a;|j)?(?:avascript|ata:|bscript)', text, re.I), path
    page = (config.output / "2024/02/02/a0/index.html").read_text(encoding="utf-8")
    assert "见<span>链接</span>所列" in page  # the link's text stays, as text
    assert '<a href="https://example.org/">安全</a>' in page and '<a href="../a0/index.html">本站</a>' in page
    warned = [w for w in stats.warnings if "plain text" in w]
    assert len(warned) == len(UNSAFE_LINKS)
    assert any(re.search(r"a4\.md:12: field 'body'", w) for w in warned), warned  # the reference's own line
    assert all(re.search(r"a\d\.md:10: field 'body'", w) for w in warned if "a4.md" not in w)


@pytest.mark.browser
def test_clicking_every_link_runs_no_script(link_site, browser, serve_folder):
    config, _ = link_site
    base = serve_folder(config.output)
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for n in range(len(UNSAFE_LINKS)):
        page.goto(f"{base}2024/02/02/a{n}/index.html")
        clickable = page.locator("#p2 span, #p2 a:not([href^='#'])")  # not site.js's ¶ link
        assert clickable.count() == 1
        clickable.first.click()
        page.wait_for_timeout(50)
        assert page.url.endswith(f"a{n}/index.html")
    page.close()
    assert dialogs == []


def test_a_paragraph_of_thousands_of_brackets_does_not_stall_the_build(tmp_path):
    content = tmp_path / "content"
    article(content, "a", body="第一段。\n\n" + "[" * 20000 + "\n\n见[本站](../a/index.html)。")
    started = time.perf_counter()
    stats = build(make_config(tmp_path, content))
    assert time.perf_counter() - started < 15  # 46 s for Markdown alone without the guard
    assert any(re.search(r"a\.md:10: field 'body': 20000 '\[' in one paragraph: shown as text", w) for w in stats.warnings)
    page = (tmp_path / "site/2024/02/02/a/index.html").read_text(encoding="utf-8")
    assert "[" * 20000 in page and '<a href="../a/index.html">本站</a>' in page


# 6. Billion laughs -----------------------------------------------------------------------------

LAUGHS = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


@pytest.mark.parametrize("where", ["article", "issue"])
def test_yaml_aliases_are_refused_at_once_with_file_and_line(tmp_path, where):
    content = tmp_path / "content"
    if where == "article":
        write(content / "2024/02/02/a.md", "---\ntitle: 孔明灯\ndate: 2024-02-02\nsection: 民生\n" + LAUGHS + "---\n\n正文。\n")
    else:
        article(content, "a")
        write(content / "2024/02/02/issue.yaml", "paper: 报\n" + LAUGHS)
    started = time.perf_counter()
    (problem,) = problems_of(make_config(tmp_path, content))
    assert time.perf_counter() - started < 10
    assert "aliases (*a) are not allowed" in problem.message
    assert problem.line == (6 if where == "article" else 3)


@pytest.mark.parametrize("where", ["article", "issue"])
def test_deeply_nested_yaml_is_refused_with_its_line_not_a_recursion_error(tmp_path, where):
    content = tmp_path / "content"
    deep = "note: " + "[" * 500 + "]" * 500 + "\n" + "extra: " + "{a: " * 400 + "1" + "}" * 400 + "\n"
    if where == "article":
        write(content / "2024/02/02/a.md", "---\ntitle: 孔明灯\ndate: 2024-02-02\nsection: 民生\n" + deep + "---\n\n正文。\n")
    else:
        article(content, "a")
        write(content / "2024/02/02/issue.yaml", "paper: 报\n" + deep)
    (problem,) = problems_of(make_config(tmp_path, content))
    assert "nested more than 32 levels" in problem.message and problem.line == (5 if where == "article" else 2)


# 7. Control characters -------------------------------------------------------------------------

def test_control_characters_are_removed_so_every_feed_is_well_formed(tmp_path):
    content = tmp_path / "content"
    article(content, "a", title='"孔明\\x0b灯\\x01"', body="第一段\x0c有换页符，\x1b还有\x00空字符。",
            extra="topics: [春节]\n")
    config = make_config(tmp_path, content, base_url="https://example.org/")
    stats = build(config)
    lines = sorted(re.search(r"a\.md:(\d+)", w).group(1) + " " + w.rsplit(" ", 2)[-2] for w in stats.warnings)
    assert lines == ["2 U+0001", "2 U+000B", "9 U+0000", "9 U+000C", "9 U+001B"]
    feeds = [config.output / "feed.xml", config.output / "sections/min-sheng/feed.xml",
             config.output / "topics/chun-jie/feed.xml"]
    for feed in feeds:
        ET.parse(feed)  # raises on a character XML does not allow
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
        assert parsed.entries[0].title == "孔明灯"
    assert "第一段有换页符，还有空字符。" in (config.output / "2024/02/02/a/index.html").read_text(encoding="utf-8")


# 9. Output-path collisions ---------------------------------------------------------------------

@pytest.mark.parametrize("alias, says", [
    ("sw.js", "but sw.js is the site's fixed page"), (".nojekyll", "'.'"), ("feed.xml", "but feed.xml is"),
    ("robots.txt", "but robots.txt is"), ("static/style.css", "inside static/"), (".newsarchive-build", "'.'"),
    ("index.html", "collides with the site's fixed page"), ("/search/", "collides with the site's fixed page"),
    ("/2024/02/02/", "collides with the site's issue page"), ("pagefind/pagefind.js", "inside pagefind/"),
    ("sections/min-sheng/feed.xml", "is the site's feed"), ("/404.html", "collides with the site's fixed page"), ("/archive/2024/", "archive page"),
    ("/2024/02/02/b/", "collides with the page of"), ("old?id=1", "'?'"), ("old\nline", "U+000A"),
    ("old\tpath", "U+0009"), ("old\u202epath", "U+202E"), ("old%20path", "'%'")])
def test_an_alias_may_not_take_a_path_the_site_writes(tmp_path, alias, says):
    content = tmp_path / "content"
    article(content, "b")
    article(content, "a", extra=f"aliases: [{ARTICLE_JSON(alias)}]\n")
    (problem,) = problems_of(make_config(tmp_path, content))
    assert problem.path.endswith("a.md") and problem.field == "aliases" and problem.line == 6, problem
    assert says in problem.message, problem


def ARTICLE_JSON(value: str) -> str:
    import json
    return json.dumps(value, ensure_ascii=False)


# 11. Smaller ones ------------------------------------------------------------------------------

def test_every_problem_of_every_phase_is_reported_at_once(tmp_path):
    content = tmp_path / "content"
    write(content / "2024/02/02/bad.md", "---\ntitle: 坏\ndate: 2024-02-30\nsection: 民生\n---\n\n正文。\n")
    article(content, "same")
    write(content / "2024/02/02/same-again.md", ARTICLE.format(title="又一篇", slug="same", extra="", body="正文。"))
    article(content, "linker", body="见[旧文](../gone/index.html)。")
    found = sorted((Path(p.path).name, p.line, p.field) for p in problems_of(make_config(tmp_path, content)))
    assert found == [("bad.md", 3, "date"), ("linker.md", 8, "body"), ("same.md", 5, "slug")]


def test_a_front_matter_key_given_twice_is_an_error(tmp_path):
    content = tmp_path / "content"
    article(content, "a", extra="title: 另一个题目\n")
    (problem,) = problems_of(make_config(tmp_path, content))
    assert (problem.line, problem.field) == (6, "title") and "given twice (also on line 2)" in problem.message


def test_a_file_with_old_mac_line_ends_reads_as_any_other(tmp_path):
    content = tmp_path / "content"
    write(content / "2024/02/02/a.md", ARTICLE.format(title="孔明灯", slug="a", extra="", body="正文。").replace("\n", "\r"))
    config = make_config(tmp_path, content)
    assert len(check(config).articles) == 1
    write(content / "2024/02/02/a.md", "---\rtitle: 孔明灯\rdate: 2024-02-31\rsection: 民生\r---\r\r正文。\r")
    (problem,) = problems_of(config)
    assert (problem.line, problem.field) == (3, "date")


# 2. Overlapping builds -------------------------------------------------------------------------

def test_a_second_build_waits_for_the_one_writing_the_site(tmp_path, capsys):
    import subprocess
    import sys
    content = tmp_path / "content"
    article(content, "a")
    config = make_config(tmp_path, content)
    build(config)
    from newsarchive.state import BuildState
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from newsarchive.write import output_lock\n"
        f"with output_lock(Path({str(BuildState(config).lock)!r})):\n"
        "    print('held', flush=True); time.sleep(3)")], cwd=Path(__file__).parent.parent, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    article(content, "a", title="孔明灯二")
    started = time.perf_counter()
    build(config)
    waited = time.perf_counter() - started
    holder.wait()
    assert waited > 2, waited
    assert f"另一个构建（进程 {holder.pid}）正在写入" in capsys.readouterr().err
    assert "孔明灯二" in (config.output / "2024/02/02/a/index.html").read_text(encoding="utf-8")


# 3. A kill between the two renames of the swap -------------------------------------------------

def test_a_site_left_in_its_old_folder_by_a_kill_is_restored_not_deleted(tmp_path):
    content = tmp_path / "content"
    article(content, "a")
    config = make_config(tmp_path, content)
    build(config)
    old = tmp_path / ".old-site-999999999-x"  # as swap leaves it: site/ renamed, the build killed
    old.mkdir()
    (tmp_path / "site").rename(old / "site")
    write(content / "2024/02/02/bad.md", "---\ntitle: 坏\n---\n")  # the next build fails on content
    with pytest.raises(BuildError):
        build(config)
    assert (config.output / "2024/02/02/a/index.html").exists() and not old.exists()
    (content / "2024/02/02/bad.md").unlink()
    build(config)
    assert (config.output / "2024/02/02/a/index.html").exists()


# 4. --out among the sources --------------------------------------------------------------------

@pytest.mark.parametrize("where", ["content/site", "layouts/site", "/"])
def test_an_output_folder_among_the_sources_is_refused_before_anything_is_written(tmp_path, where, capsys):
    from newsarchive.cli import main
    content = tmp_path / "content"
    article(content, "a")
    (tmp_path / "layouts").mkdir()
    (tmp_path / "config.yaml").write_text("layouts: layouts\n", encoding="utf-8")
    out = Path(where) if where == "/" else tmp_path / where
    cache = Path("/.newsarchive-cache")
    existed = cache.exists()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code = main(["build", "--config", str(tmp_path / "config.yaml"), "--content", str(content), "--out", str(out)])
    assert code == 1 and "output folder" in capsys.readouterr().err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert cache.exists() == existed


# 5. Symbolic links and editor files ------------------------------------------------------------

def test_editor_files_are_skipped_and_bad_links_reported_with_their_path(tmp_path):
    import os
    content = tmp_path / "content"
    article(content, "a")
    day = content / "2024/02/02"
    os.symlink("nobody@host.1234:1700000000", day / ".#a.md")  # Emacs, while a.md is edited
    (day / "a.md~").write_text("backup", encoding="utf-8")
    (day / "#a.md#").write_text("autosave", encoding="utf-8")
    config = make_config(tmp_path, content)
    assert len(check(config).articles) == 1
    os.symlink("gone.md", day / "dangling.md")
    os.symlink("loop.md", day / "loop.md")
    outside = write(tmp_path / "elsewhere/secret.md", ARTICLE.format(title="密", slug="s", extra="", body="机密。"))
    os.symlink(outside, day / "secret.md")
    os.symlink(content / "2024", day / "folder")
    found = sorted((Path(p.path).name, p.message.split(":")[0].split(" (")[0]) for p in problems_of(config))
    assert found == [("dangling.md", "a broken symbolic link"), ("folder", "a symbolic link to a folder"),
                     ("loop.md", "a broken symbolic link"), ("secret.md", f"a symbolic link to {outside}, outside the content folder")]


def test_serve_survives_a_bad_rebuild_and_serves_no_listings(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import urllib.error
    import urllib.request
    root = Path(__file__).resolve().parent.parent
    content = tmp_path / "content"
    article(content, "a")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(root / "build.py"), "serve", "--config", str(root / "config.yaml"),
                               "--content", str(content), "--out", str(tmp_path / "site"), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while "正在提供" not in server.stdout.readline():
            assert server.poll() is None
        base = f"http://127.0.0.1:{port}/"
        os.symlink("gone.md", content / "2024/02/02/dangling.md")
        while "构建失败" not in server.stdout.readline():
            assert server.poll() is None
        assert server.poll() is None
        assert "孔明灯" in urllib.request.urlopen(base + "2024/02/02/a/index.html").read().decode()
        for path in ("2024/02/02/a/", "static/", "%00", "a%00b/index.html"):
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(base + ("2024/02/" if path.endswith("a/") else path))
            assert info.value.code == 404, path
    finally:
        server.terminate()
        server.wait()


# 8. Import publishes the text as printed -------------------------------------------------------

from hypothesis import assume, given, settings, strategies as st  # noqa: E402

from newsarchive.body import BodyRenderer, markdown_escape, plain_text  # noqa: E402

MARKDOWN_CHARS = "\\`*_{}[]()#+-.!<>&;=|~:/ 汉字，。1a"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=MARKDOWN_CHARS, min_size=1, max_size=30))
def test_escaped_text_renders_to_exactly_itself(text):
    text = text.strip()
    assume(text)
    renderer = BodyRenderer()
    assert plain_text(renderer.render(markdown_escape(text))) == text
    assert plain_text(renderer.render("### " + markdown_escape(text, heading=True))) == text


PRINTED = ["见附表[1](2)所列", "*号标记的单位*和**重点**", "C:\\新建\\*", "1. 第一条", "#3号", "<http://x.cn>",
           "AT&amp;T、&#106;", "a_b_c"]


def import_page(tmp_path, text: str, *args: str, data: bytes | None = None):
    from tests.test_import import run_import
    raw = tmp_path / "page.txt"
    raw.write_bytes(data if data is not None else text.encode("utf-8"))
    return run_import(raw, "--date", "2024-02-02", "--content", tmp_path / "content", *args, cwd=tmp_path)


def test_imported_paragraphs_publish_exactly_as_printed(tmp_path):
    page = "## 通知\n\n" + "\n\n".join(f"{p}。" for p in PRINTED) + "\n"
    result = import_page(tmp_path, page)
    assert result.returncode == 0, result.stderr
    articles = check(make_config(tmp_path, tmp_path / "content")).articles
    published = "\n".join(line for a in articles for line in [a.title, *plain_text(a.body_html).split("\n")])
    assert all(f"{p}。" in published.split("\n") for p in PRINTED), published
    assert not any("<a " in a.body_html or "<em>" in a.body_html or "<strong>" in a.body_html for a in articles)


def test_import_refuses_a_nul_and_removes_control_characters_with_a_warning(tmp_path):
    body = "## 通知\n\n" + "正文一段。\n\n" * 600
    result = import_page(tmp_path, body + "又一\x00段。\n")
    assert result.returncode == 1 and "line 1202" not in result.stderr and ":1203: a NUL character" in result.stderr
    assert not (tmp_path / "content").exists()
    result = import_page(tmp_path, body + "又一\x0c段\x1b。\n", "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    (md,) = (tmp_path / "content/2024/02/02").glob("*.md")
    assert "又一段。" in md.read_text(encoding="utf-8") and "\x0c" not in md.read_text(encoding="utf-8")
    assert "第 1203 行）：control character U+000C removed" in result.stdout


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_page_imports(tmp_path, encoding):
    result = import_page(tmp_path, "", data="## 通知\n\n本报讯 正文一段，2024年。\n".encode(encoding))
    assert result.returncode == 0, result.stderr
    assert "正文一段，2024年。" in next((tmp_path / "content").rglob("*.md")).read_text(encoding="utf-8")


@pytest.mark.parametrize("args, says", [(["--page", "0"], "--page: expected a page number ≥ 1"),
                                        (["--section", " "], "--section: expected a section name"),
                                        (["--report", "nodir/r.json"], "--report: no folder nodir"),
                                        (["--content", "page.txt"], "--content: page.txt is a file")])
def test_import_options_that_would_write_wrong_files_are_refused(tmp_path, args, says):
    result = import_page(tmp_path, "## 通知\n\n正文。\n", *args)
    assert result.returncode == 1 and says in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.txt"]


def test_force_keeps_the_replaced_file_and_a_corrected_headline_keeps_its_file_and_url(tmp_path):
    assert import_page(tmp_path, "## 孔明灯通知\n\n正文。\n").returncode == 0
    (md,) = (tmp_path / "content/2024/02/02").glob("*.md")
    md.write_text(md.read_text(encoding="utf-8").replace("正文。", "正文（已校对）。"), encoding="utf-8")
    refused = import_page(tmp_path, "## 孔明灯通告\n\n正文。\n")
    assert refused.returncode == 1 and "exists already" in refused.stderr
    forced = import_page(tmp_path, "## 孔明灯通告\n\n正文。\n", "--force")
    assert forced.returncode == 0, forced.stderr
    files = sorted(p.name for p in md.parent.iterdir())
    assert files[0] == md.name and len(files) == 2 and files[1].startswith(md.name) and files[1].endswith(".bak")
    assert "已替换" in forced.stdout and files[1] in forced.stdout
    assert "正文（已校对）。" in (md.parent / files[1]).read_text(encoding="utf-8")
    text = md.read_text(encoding="utf-8")
    assert "孔明灯通告" in text and "slug: kong-ming-deng-tong-zhi\n" in text  # the published URL stays


# 11. Citation files: a line break in a field cannot start another ------------------------------

def test_line_breaks_in_headlines_and_names_become_spaces_before_any_citation(tmp_path):
    content = tmp_path / "content"
    article(content, "a", title='"孔明灯\\r\\nUR  - javascript:alert(1)"', extra='reporter: "李\\n佳琪"\n')
    config = make_config(tmp_path, content)
    page = (config.output / "2024/02/02/a/index.html")
    build(config)
    text = page.read_text(encoding="utf-8")
    assert '<meta name="citation_title" content="孔明灯 UR  - javascript:alert(1)">' in text
    assert '<meta name="citation_author" content="李 佳琪">' in text


@pytest.mark.browser
def test_the_ris_and_bibtex_made_in_the_page_keep_each_field_on_its_line(browser, sample_site, serve_folder):
    context = browser.new_context()
    page = context.new_page()
    evil = "孔明灯&#13;&#10;UR  - javascript:alert(1)&#10;}, url = {javascript:alert(1)"

    def tamper(route):  # a page whose metadata holds line breaks, as a careless template might write it
        html = route.fetch().text()
        html = re.sub(r'(<meta name="citation_title" content=")[^"]*', lambda m: m.group(1) + evil, html)
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route("**/renda-changweihui-2023-gongzuo-zongshu/index.html", tamper)
    page.goto(serve_folder(sample_site) + "2024/02/02/renda-changweihui-2023-gongzuo-zongshu/index.html")
    files = page.evaluate("""Promise.all([].map.call(document.querySelectorAll('.downloads a'),
                             a => fetch(a.href).then(r => r.text())))""")
    context.close()
    bib, ris = files
    assert [line for line in ris.split("\r\n") if line.startswith("UR")] == [
        "UR  - https://example.github.io/newsarchive/2024/02/02/renda-changweihui-2023-gongzuo-zongshu/"]
    assert "TI  - 孔明灯 UR  - javascript:alert(1) }, url = {javascript:alert(1)" in ris
    assert "\n  url = {javascript" not in bib and "title = {孔明灯 UR  - javascript:alert(1) \\}, url = \\{javascript" in bib


# 12. The searchable region is marked -----------------------------------------------------------

def test_article_pages_mark_their_searchable_text(sample_site):
    page = (sample_site / "2024/02/02/kongmingdeng-changyi/index.html").read_text(encoding="utf-8")
    assert page.count("data-pagefind-body") == 1
    region = page[page.index("data-pagefind-body"):page.index('<footer class="article-meta">')]
    assert "减少一次燃放 增加一份安全" in region and "孔明灯属高空明火飞行器" in region


def test_years_below_1000_are_written_with_four_digits(tmp_path):
    import json
    content = tmp_path / "content"
    write(content / "0999/05/05/a.md", ARTICLE.format(title="进奏院状", slug="a", extra="", body="正文。").replace(
        "2024-02-02", "0999-05-05"))
    article(content, "b")
    config = make_config(tmp_path, content, base_url="https://example.org/")
    build(config)
    assert (config.output / "0999/05/05/a/index.html").exists() and (config.output / "archive/0999/index.html").exists()
    assert not (config.output / "999").exists()
    assert json.loads((config.output / "search/filters.json").read_text(encoding="utf-8"))["year"] == {"0999": 1, "2024": 1}
    page = (config.output / "0999/05/05/a/index.html").read_text(encoding="utf-8")
    assert 'content="0999/05/05"' in page and "0999-05-05" in page
    shards = json.loads((config.output / "pagefind/shards.json").read_text(encoding="utf-8"))
    assert "0999 -05-05 -05-05" in shards  # the shard of that year, its first and last day


@pytest.mark.parametrize("errno_name, where, says", [("ENOSPC", "write", "the disk is full"),
                                                     ("EBUSY", "swap", "a mount point"),
                                                     ("EROFS", "write", "read-only")])
def test_a_full_disk_or_an_unmovable_output_is_a_clear_error_and_the_site_stays(tmp_path, monkeypatch, capsys,
                                                                                errno_name, where, says):
    import errno
    import os
    from newsarchive import write as write_module
    from newsarchive.cli import main
    content = tmp_path / "content"
    article(content, "a")
    args = ["build", "--content", str(content), "--out", str(tmp_path / "site"), "--force"]
    assert main(args) == 0
    before = (tmp_path / "site/2024/02/02/a/index.html").read_bytes()
    article(content, "a", title="孔明灯改")
    code = getattr(errno, errno_name)
    if where == "write":
        def fail(self, *a, **k):
            raise OSError(code, os.strerror(code), str(tmp_path / "site/x"))
        monkeypatch.setattr(write_module.Writer, "write_bytes", fail)
    else:
        real = os.rename

        def fail(source, target):
            if Path(source) == tmp_path / "site":
                raise OSError(code, os.strerror(code), str(source), str(target))
            return real(source, target)
        monkeypatch.setattr(write_module.os, "rename", fail)
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert (tmp_path / "site/2024/02/02/a/index.html").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".staging-")] == []


# 13. Reproducible builds -----------------------------------------------------------------------

def test_two_clean_builds_in_different_folders_are_byte_identical(corpus_content, tmp_path):
    sites = []
    for name in ("one", "two"):
        config = make_config(tmp_path / name, corpus_content)
        build(config)
        sites.append(config.output)
    files = [sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file()) for site in sites]
    assert files[0] == files[1] and any(p.suffix == ".pf_filter" for p in files[0])
    differ = [rel for rel in files[0] if (sites[0] / rel).read_bytes() != (sites[1] / rel).read_bytes()]
    assert differ == []
