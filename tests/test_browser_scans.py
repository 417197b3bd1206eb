"""The printed page as a reader sees it, in Debian chromium: a page view's regions lead to their
articles, an article shows its clipping, a search leads to its words marked on the scan, and the
scan zooms on a phone."""

from __future__ import annotations

import re

import pytest

from tests.factories import scanned_site

pytestmark = pytest.mark.browser
ISSUE = "1946/05/15/"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    config, printed = scanned_site(tmp_path_factory.mktemp("scanned-browser"))
    return config.output, printed


def open_viewer(page, url):
    page.goto(url)
    page.wait_for_function("() => window.archivePageViewer && window.archivePageViewer.world.getItemCount() === 1"
                           " && window.archivePageViewer.world.getItemAt(0).getFullyLoaded()")


def test_clicking_a_region_of_the_page_opens_its_article(page, scanned, serve_folder):
    site, printed = scanned
    base = serve_folder(site)
    open_viewer(page, base + ISSUE + "page-1/index.html")
    assert page.locator("#scan-static").is_hidden()
    region = page.locator("#scan-zoom a.region").nth(2)
    title = region.get_attribute("title")
    region.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() in title
    assert page.js_errors == []


def test_an_article_shows_its_clipping_and_it_leads_back_to_its_region(page, scanned, serve_folder):
    site, printed = scanned
    base = serve_folder(site)
    page.goto(base + ISSUE + "page-1/index.html")
    href = page.locator(".page-articles a[data-region]").first.get_attribute("href")
    page.goto(base + ISSUE + "page-1/" + href)
    clip = page.locator(".clipping img").first
    clip.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.clipping img').naturalWidth > 0")
    page.locator(".clipping p a").click()
    page.wait_for_function("() => location.hash.startsWith('#r-')")
    open_viewer(page, page.url)
    slug = page.evaluate("location.hash").removeprefix("#r-")
    assert page.locator(f"#scan-static a#r-{slug}.current").count() == 1


def test_a_search_leads_to_its_words_marked_on_the_scan(page, scanned, serve_folder):
    site, printed = scanned
    word = re.sub(r"[^\u4e00-\u9fff]", "", printed[0].paragraphs[0])[4:8]
    base = serve_folder(site)
    page.goto(base + "search/index.html?q=" + word)
    page.wait_for_function("() => document.querySelector('#search-results .page-view-link')")
    page.locator("#search-results .page-view-link").first.click()
    open_viewer(page, page.url)
    assert "hl=" in page.url
    marks = page.locator("#scan-zoom .hl-box")
    assert marks.count() >= 1
    box = marks.first.bounding_box()
    assert box and box["width"] > 5 and box["height"] > 5  # on the image, where the word is
    assert page.js_errors == []


def test_the_scan_zooms_and_pans_on_a_phone(browser, scanned, serve_folder):
    site, _ = scanned
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    open_viewer(page, serve_folder(site) + ISSUE + "page-1/index.html")
    before = page.evaluate("archivePageViewer.viewport.getZoom()")
    for _ in range(3):
        page.locator("[data-zoom=in]").tap()
    page.wait_for_timeout(800)
    assert page.evaluate("archivePageViewer.viewport.getZoom()") > 2 * before
    center = page.evaluate("archivePageViewer.viewport.getCenter()")
    box = page.locator("#scan-zoom").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 120, y - 150, steps=8)
    page.mouse.up()
    page.wait_for_timeout(800)
    moved = page.evaluate("archivePageViewer.viewport.getCenter()")
    assert abs(moved["x"] - center["x"]) + abs(moved["y"] - center["y"]) > 0.05
    page.wait_for_function("() => archivePageViewer.world.getItemAt(0).getFullyLoaded()")
    assert failed == []  # every tile it asked for is in the site
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_the_page_view_reads_from_disk_with_its_regions(page, scanned):
    site, printed = scanned
    open_viewer(page, (site / ISSUE / "page-1/index.html").as_uri())
    assert page.locator("#scan-zoom a.region").count() == sum(len(a.boxes) for a in printed)
