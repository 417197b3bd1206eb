"""Reading without a network: from disk (file://), and saved issues through the service worker."""

import contextlib
import functools
import http.server
import re
import shutil
import threading
import zipfile
from pathlib import Path
from urllib.parse import urldefrag

import pytest

from newsarchive.pipeline import build
from tests.conftest import make_config
from tests.sitecheck import html_files

pytestmark = pytest.mark.browser


def test_from_disk_every_page_is_reached_by_links_and_none_is_a_dead_end(browser, sample_site):
    page = browser.new_context(java_script_enabled=False).new_page()  # reading must not rely on scripts
    root = sample_site.as_uri() + "/"
    queue, seen, files = [root + "index.html"], set(), set()
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        assert page.title(), url
        assert page.locator("main").count() == 1, f"{url} is not a page of the site"
        assert page.evaluate("getComputedStyle(document.querySelector('.masthead')).borderBottomStyle") == "double"
        for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
            href = urldefrag(href).url
            if href.startswith("data:"):  # a citation file inside the page
                continue
            assert href.startswith(root), f"{url} links outside the site: {href}"
            if href.endswith(".html"):
                queue.append(href)
            else:
                files.add(href)
    reached = {Path(u[len("file://"):]) for u in seen}
    assert {p for p in html_files(sample_site) if p.name != "404.html"} <= reached
    assert all(Path(u[len("file://"):]).is_file() for u in files)  # the feeds


def test_from_disk_the_epub_button_stays_hidden(page, sample_site):
    """From disk the article pages cannot be fetched to make the EPUB: no button that would fail."""
    page.goto((sample_site / "2024/02/02/index.html").as_uri())
    page.wait_for_function("document.querySelector('#save-issue') !== null")
    assert page.locator("#make-epub").count() == 1 and not page.locator("#make-epub").is_visible()
    assert not page.js_errors


def test_from_disk_the_search_page_searches_headlines_reporters_and_dates(page, sample_site):
    page.goto((sample_site / "search/index.html").as_uri())
    assert page.locator("#search-offline").is_visible()
    for query, count in [("尹明", 1), ("孔明灯", 1), ("2024年2月2日", 6), ("2024-02-02", 6), ("工作综述", 2)]:
        page.fill("#search-q", query)
        page.press("#search-q", "Enter")
        page.wait_for_function("n => document.querySelectorAll('#search-results li').length === n", arg=count)
    page.fill("#search-q", "孔明灯")
    page.press("#search-q", "Enter")
    page.locator("#search-results li a").first.click()
    assert page.locator("h1").inner_text() == "减少一次燃放 增加一份安全"


class Server:
    """A local server that can be stopped, so 'offline' really is offline for the service worker too."""

    def __init__(self, folder: Path):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def restart(self, folder: Path):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@contextlib.contextmanager
def served(browser, folder: Path):
    """A page of a fresh browser context, the base URL of `folder` served (stoppably), and its server."""
    server = Server(folder)
    context = browser.new_context()
    try:
        yield context, context.new_page(), f"http://127.0.0.1:{server.port}/", server
    finally:
        context.close()
        if server.httpd.socket.fileno() != -1:
            server.stop()


def save_issue(page, url: str) -> None:
    """Open an issue once the service worker runs it, and save it for offline reading."""
    page.goto(url)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)
    page.click("#save-issue")
    page.wait_for_function("document.getElementById('save-status').textContent.startsWith('已保存')")


def sw_version(page) -> str:
    return page.evaluate("""() => navigator.serviceWorker.ready.then(r => new Promise(resolve => {
        const c = new MessageChannel(); c.port1.onmessage = e => resolve(e.data.version);
        r.active.postMessage({type: 'list'}, [c.port2]); }))""")


def test_a_saved_issue_reads_offline_and_a_new_build_replaces_it_whole(browser, corpus_content, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(corpus_content, content)
    config = make_config(tmp_path, content)
    build(config)
    with served(browser, config.output) as (context, page, base, server):
        save_issue(page, base + "1946/05/15/index.html")
        first = page.locator(".teasers a").first
        article_url, title = first.get_attribute("href"), first.locator(".title").inner_text()
        page.goto(base + "1946/05/16/index.html")  # opened, not saved

        server.stop()
        context.set_offline(True)
        page.goto(base + "1946/05/15/" + article_url)
        assert page.locator("h1").inner_text() == title
        assert page.evaluate("getComputedStyle(document.querySelector('.masthead')).borderBottomStyle") == "double"
        page.goto(base + "1946/05/15/index.html")  # the saved issue's EPUB is made offline too
        with page.expect_download() as download:
            page.click("#make-epub")
        epub = tmp_path / "offline.epub"
        download.value.save_as(epub)
        with zipfile.ZipFile(epub) as book:
            assert title in book.read("OEBPS/nav.xhtml").decode()
        page.goto(base + "1946/05/16/index.html")
        assert "1946年5月16日" in page.locator("h1").inner_text()
        page.goto(base + "saved/index.html")
        page.wait_for_function("document.querySelectorAll('#saved-issues a').length === 1")
        assert "1946年5月15日" in page.locator("#saved-issues").inner_text()
        page.goto(base + "1946/05/17/index.html")  # neither saved nor opened
        page.wait_for_url("**/saved/index.html?offline=*")
        assert "没有网络" in page.locator("#offline-state").inner_text()

        # A new build: the saved issue is fetched again from it before the new version takes over.
        context.set_offline(False)
        source = next((content / "1946/05/15").glob(article_url.split("/")[0].join(["*", "*.md"])))
        source.write_text(source.read_text(encoding="utf-8").replace(f'title: "{title}"', 'title: "新标题"'), encoding="utf-8")
        build(config)
        server.restart(config.output)
        new_version = re.search(r'const VERSION = "(\w+)"', (config.output / "sw.js").read_text()).group(1)
        assert new_version != sw_version(page)
        page.goto(base + "index.html")
        expected = [f"shell-{new_version}", f"saved-{new_version}", f"opened-{new_version}"]
        for _ in range(100):  # page.evaluate awaits the promise (wait_for_function would not)
            if page.evaluate("""() => navigator.serviceWorker.getRegistration().then(r => r.update().then(() =>
                    !r.installing && !r.waiting && r.active.state === 'activated')).then(done => done && caches.keys())""") == expected:
                break
            page.wait_for_timeout(200)
        assert sw_version(page) == new_version
        server.stop()
        context.set_offline(True)
        page.goto(base + "1946/05/15/" + article_url)
        assert page.locator("h1").inner_text() == "新标题"
        page.goto(base + "1946/05/15/index.html")
        assert "新标题" in page.locator("main").inner_text()


def test_a_saved_issue_keeps_its_page_images_offline(browser, tmp_path):
    from tests.factories import scanned_issue
    content = tmp_path / "content"
    scanned_issue(content)
    config = make_config(tmp_path, content)
    build(config)
    with served(browser, config.output) as (context, page, root, server):
        base = root + "1946/05/15/"
        save_issue(page, base + "index.html")
        article = page.locator(".issue-page .teasers a").first.get_attribute("href")
        server.stop()
        context.set_offline(True)
        page.goto(base + "page-1/index.html")  # the page view, without its viewer: the scan and its regions
        page.wait_for_function("() => document.querySelector('#scan-static img').naturalWidth > 0")
        assert page.locator("#scan-static a.region").count() >= 2
        page.goto(base + article)
        page.wait_for_function("() => document.querySelector('.clipping img') && "
                               "document.querySelector('.clipping img').naturalWidth > 0")
