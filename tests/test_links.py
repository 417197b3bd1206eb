"""Links that last: canonical URLs, metadata for citation, feeds, redirects, EPUB."""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newsarchive.pipeline import build
from tests.conftest import ROOT, make_config, require
from tests.sitecheck import html_files

BASE = "https://example.github.io/newsarchive/"
ATOM = "{http://www.w3.org/2005/Atom}"
RENDA = "2024/02/02/renda-changweihui-2023-gongzuo-zongshu/"


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def absolute_refs(html: str) -> list[str]:
    return re.findall(r'(?:href|src|content)="(https?://[^"]*)"', html)


def test_absolute_urls_only_where_they_must_be_and_all_under_the_sub_path(sample_site):
    for path in html_files(sample_site):
        html = path.read_text(encoding="utf-8")
        rel = path.relative_to(sample_site).as_posix()
        for url in absolute_refs(html):
            assert url.startswith(BASE) or url.startswith("https://schema.org"), (rel, url)
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
        if rel != "404.html" and "http-equiv" not in html:
            assert canonical, rel
            expected = BASE + (rel[:-len("index.html")] if rel.endswith("index.html") else rel)
            assert canonical.group(1) == expected
        for feed in re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"', html):
            assert feed.startswith(BASE) and feed.endswith("feed.xml")
        # every other link is relative (checked to resolve by test_site)
        for value in re.findall(r'<(?:a|script|img)\b[^>]*(?:href|src)="([^"]+)"', html):
            assert not value.startswith(("http:", "https:", "/")), (rel, value)


def test_article_metadata_names_the_right_headline_author_and_date(sample_site):
    html = read(sample_site, RENDA + "index.html")
    (ld,) = [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    assert ld["@type"] == "NewsArticle"
    assert ld["headline"] == "履职尽责谋发展 务实笃行谱新篇"
    assert ld["alternativeHeadline"] == "——市十六届人大常委会 2023 年工作综述"
    assert ld["author"] == [{"@type": "Person", "name": "尹明"}]
    assert ld["datePublished"] == "2024-02-02" and ld["articleSection"] == "时政" and ld["pageStart"] == "1"
    assert ld["publisher"]["name"] == "哈尔滨日报"
    assert ld["isPartOf"]["url"] == BASE + "2024/02/02/" and ld["url"] == BASE + RENDA
    assert '<meta name="citation_author" content="尹明">' in html
    assert '<meta name="citation_publication_date" content="2024/02/02">' in html
    assert '<meta name="citation_journal_title" content="哈尔滨日报">' in html
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:url" content="{BASE + RENDA}">' in html


def test_the_gbt7714_citation_of_a_seed_article_is_exact(sample_site):
    html = read(sample_site, RENDA + "index.html")
    gbt = re.search(r'<span class="cite-text" id="cite-gbt">(.*?)</span>', html).group(1)
    assert gbt == "尹明. 履职尽责谋发展 务实笃行谱新篇: 市十六届人大常委会 2023 年工作综述[N]. 哈尔滨日报, 2024-02-02(1)."
    kmd = read(sample_site, "2024/02/02/kongmingdeng-changyi/index.html")
    assert "李佳琪. 减少一次燃放 增加一份安全[N]. 哈尔滨日报, 2024-02-02(1)." in kmd


@pytest.mark.browser
def test_bibtex_and_ris_downloads_are_made_in_the_page(page, sample_site, serve_folder):
    page.goto(serve_folder(sample_site) + RENDA + "index.html")
    files = {}
    for label in ("BibTeX", "RIS"):
        with page.expect_download() as download:
            page.locator(".downloads a", has_text=label).click()
        files[download.value.suggested_filename] = Path(download.value.path()).read_bytes().decode("utf-8")
    key = "20240202-renda-changweihui-2023-gongzuo-zongshu"
    assert sorted(files) == [f"{key}.bib", f"{key}.ris"]
    assert files[f"{key}.bib"] == (
        f"@article{{{key},\n  author = {{尹明}},\n"
        "  title = {履职尽责谋发展 务实笃行谱新篇: 市十六届人大常委会 2023 年工作综述},\n  journal = {哈尔滨日报},\n"
        "  year = {2024},\n  month = {2},\n  day = {2},\n  date = {2024-02-02},\n  pages = {1},\n"
        f"  url = {{{BASE + RENDA}}},\n  language = {{chinese}}\n}}\n")
    ris = files[f"{key}.ris"].split("\r\n")  # RIS lines end in CRLF
    assert ris[:3] == ["TY  - NEWS", "AU  - 尹明", "TI  - 履职尽责谋发展 务实笃行谱新篇: 市十六届人大常委会 2023 年工作综述"]
    assert "DA  - 2024/02/02" in ris and "LA  - zh" in ris and ris[-2:] == ["ER  - ", ""]
    assert not list(sample_site.rglob("cite.*"))


def test_paragraphs_and_subheads_have_ids_to_link(sample_site):
    html = read(sample_site, RENDA + "index.html")
    assert '<p id="p3">翻开哈尔滨市' in html
    assert '<h3 id="s1">推进全过程人民民主的冰城实践</h3>' in html


@pytest.mark.browser
def test_a_paragraph_link_shows_beside_each_paragraph(page, sample_site, serve_folder):
    page.goto(serve_folder(sample_site) + RENDA + "index.html")
    link = page.locator("#p3 a.anchor")
    assert link.get_attribute("href") == "#p3" and link.get_attribute("aria-label") == "链接到第3段"
    assert page.locator("#s1 a.anchor").inner_text() == "#"
    link.click()
    assert page.url.endswith("#p3")


def test_feeds_sitemap_and_robots(sample_site):
    feed = ET.parse(sample_site / "feed.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 6
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert all(link.startswith(BASE + "2024/02/02/") for link in links)
    assert entries[0].find(f"{ATOM}id").text == links[0]
    topic = ET.parse(sample_site / "topics/kong-ming-deng/feed.xml").getroot()
    assert [e.find(f"{ATOM}title").text for e in topic.findall(f"{ATOM}entry")] == ["关于“孔明灯”哈市三部门联合倡议 减少一次燃放 增加一份安全"]
    assert (sample_site / "sections/min-sheng/feed.xml").is_file()
    sitemap = ET.parse(sample_site / "sitemap.xml").getroot()
    locs = {e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert BASE + RENDA in locs and BASE in locs and all(loc.startswith(BASE) for loc in locs)
    assert f"Sitemap: {BASE}sitemap.xml" in read(sample_site, "robots.txt")


GOOD = "---\ntitle: 孔明灯\ndate: 2024-02-02\nsection: 民生\nslug: kmd\naliases: [/old/kmd.html, /2020/kmd/]\n---\n\n正文。\n"


@pytest.fixture
def small_archive(tmp_path):
    folder = tmp_path / "content/2024/02/02"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(GOOD, encoding="utf-8")
    return tmp_path


def test_editing_a_title_keeps_the_url(small_archive):
    config = make_config(small_archive, small_archive / "content")
    build(config)
    article = small_archive / "content/2024/02/02/a.md"
    article.write_text(GOOD.replace("title: 孔明灯", "title: 关于孔明灯的倡议"), encoding="utf-8")
    build(config)
    assert "<h1>关于孔明灯的倡议</h1>" in (config.output / "2024/02/02/kmd/index.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_aliases_redirect_in_the_browser(small_archive, page, serve_folder):
    config = make_config(small_archive, small_archive / "content")
    build(config)
    redirect = (config.output / "old/kmd.html").read_text(encoding="utf-8")
    assert 'rel="canonical"' in redirect and 'http-equiv="refresh"' in redirect
    base = serve_folder(config.output)
    for alias in ("old/kmd.html", "2020/kmd/"):
        page.goto(base + alias)
        page.wait_for_url("**/2024/02/02/kmd/index.html")
        assert page.locator("h1").inner_text() == "孔明灯"


def epubcheck_command() -> list[str] | None:
    jar = Path("/usr/share/java/epubcheck.jar")
    if jar.exists() and shutil.which("java"):
        return ["java", "-jar", str(jar)]
    return [shutil.which("epubcheck")] if shutil.which("epubcheck") else None


@pytest.fixture(scope="module")
def sample_epub(browser, sample_site, serve_folder, tmp_path_factory) -> Path:
    """The sample issue's EPUB, as a reader gets it: made in Chromium from the issue page."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(serve_folder(sample_site) + "2024/02/02/index.html")
    with page.expect_download() as download:
        page.click("#make-epub")
    assert download.value.suggested_filename == "2024-02-02.epub"
    path = tmp_path_factory.mktemp("epub") / "2024-02-02.epub"
    download.value.save_as(path)
    context.close()
    assert not errors
    return path


@pytest.mark.browser
def test_the_issue_epub_passes_epubcheck(sample_epub):
    command = epubcheck_command()
    require(command is not None, "epubcheck is not installed (apt-get install epubcheck)")
    result = subprocess.run([*command, str(sample_epub)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors or warnings detected" in result.stdout


@pytest.mark.browser
def test_the_epub_holds_every_article_in_page_order_with_the_issue_details(sample_epub):
    import zipfile
    with zipfile.ZipFile(sample_epub) as epub:
        assert epub.testzip() is None  # every entry's CRC is right
        assert epub.namelist()[0] == "mimetype" and epub.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert epub.read("mimetype") == b"application/epub+zip"
        assert epub.getinfo("OEBPS/a001.xhtml").compress_type == zipfile.ZIP_DEFLATED
        nav = epub.read("OEBPS/nav.xhtml").decode()
        titles = re.findall(r'<a href="a\d+\.xhtml">(.*?)</a>', nav)
        assert len(titles) == 6
        assert titles[0] == "履职尽责谋发展 务实笃行谱新篇" and titles[-1] == "减少一次燃放 增加一份安全"
        last = epub.read("OEBPS/a006.xhtml").decode()
        assert "孔明灯属高空明火飞行器" in last and '<p class="kicker">关于“孔明灯”哈市三部门联合倡议</p>' in last
        assert "2024年2月2日 · 第1版 · 民生 · 记者 李佳琪" in last
        opf = epub.read("OEBPS/package.opf").decode()
        assert "<dc:identifier id=\"uid\">https://example.github.io/newsarchive/2024/02/02/</dc:identifier>" in opf
        assert "<dc:date>2024-02-02</dc:date>" in opf and "<dc:publisher>哈尔滨日报</dc:publisher>" in opf
        assert opf.count("<dc:contributor>") == 6 and "<dc:contributor>尹明</dc:contributor>" in opf


@pytest.mark.browser
def test_one_click_copies_a_citation(browser, sample_site, serve_folder):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(serve_folder(sample_site) + RENDA + "index.html")
    page.click("button[data-copy='cite-gbt']")
    page.wait_for_function("document.querySelector(\"button[data-copy='cite-gbt']\").textContent === '已复制'")
    assert page.evaluate("navigator.clipboard.readText()") == \
        "尹明. 履职尽责谋发展 务实笃行谱新篇: 市十六届人大常委会 2023 年工作综述[N]. 哈尔滨日报, 2024-02-02(1)."
    context.close()


def test_no_epub_files_in_the_site_and_epub_false_leaves_the_button_out(sample_site, tmp_path):
    assert not list(sample_site.rglob("*.epub"))  # made in the browser: nothing on the server
    assert 'id="make-epub"' in read(sample_site, "2024/02/02/index.html")
    config = make_config(tmp_path, ROOT / "content", epub=False)
    build(config)
    issue = (config.output / "2024/02/02/index.html").read_text(encoding="utf-8")
    assert "EPUB" not in issue and "epub.js" not in issue
