"""What a reader sees, in Debian chromium: searching, filtering, and reading from disk."""

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from tests.sitecheck import html_files

pytestmark = pytest.mark.browser


def wait_for_results(page):
    page.wait_for_function("() => /找到|没有|共/.test(document.getElementById('search-status').textContent)")
    return page.locator("#search-results li")


def test_search_finds_filters_and_opens_an_article(page, sample_site, serve_folder):
    base = serve_folder(sample_site)
    page.goto(base + "search/index.html")
    page.fill("#search-q", "孔明灯")
    page.press("#search-q", "Enter")
    results = wait_for_results(page)
    assert results.count() == 1
    assert "减少一次燃放 增加一份安全" in results.first.inner_text()
    assert "孔明灯" in page.locator("#search-results mark").first.inner_text()

    page.locator("#search-filters label", has_text="李佳琪").locator("input").check()
    page.wait_for_function("() => location.search.includes('reporter=')")
    assert wait_for_results(page).count() == 1
    page.locator("#search-results li a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "减少一次燃放 增加一份安全"
    assert page.js_errors == []


def test_a_reporter_filter_narrows_the_results_and_survives_a_reload(page, sample_site, serve_folder):
    page.goto(serve_folder(sample_site) + "search/index.html")
    page.fill("#search-q", "2023 年")
    page.press("#search-q", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 3")
    page.locator("#search-filters label", has_text="尹明").locator("input").check()
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 1")
    assert "reporter=" in page.url and "q=2023" in page.url
    assert "履职尽责谋发展" in page.locator("#search-results li").first.inner_text()
    page.reload()  # the URL carries the query and the filter
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 1")
    assert page.input_value("#search-q") == "2023 年"
    assert page.locator("#search-filters input[value='尹明']").is_checked()


def test_a_linked_search_shows_results_with_filter_counts(page, sample_site, serve_folder):
    page.goto(serve_folder(sample_site) + "search/index.html?q=" + quote("2023 年") + "&section=" + quote("时政"))
    assert wait_for_results(page).count() == 2
    filters = page.inner_text("#search-filters")
    assert "记者" in filters and "尹明 (1)" in filters and "王越 (1)" in filters
    assert page.locator("#search-filters input[value='时政']").is_checked()


def test_the_masthead_search_box_leads_to_results(page, sample_site, serve_folder):
    page.goto(serve_folder(sample_site) + "2024/02/02/index.html")
    page.fill(".quick-search input", "杜菲菲")
    page.press(".quick-search input", "Enter")
    results = wait_for_results(page)
    assert results.count() == 1 and "立足兜牢底线夯基础" in results.first.inner_text()


def test_sort_oldest_first_reverses_the_order(page, corpus_site, serve_folder):
    base = serve_folder(corpus_site)
    page.goto(base + "search/index.html?q=" + quote("国民党"))
    wait_for_results(page)
    newest = page.locator("#search-results time").first.get_attribute("datetime")
    page.select_option("#search-sort", "asc")
    page.wait_for_function("(d) => document.querySelector('#search-results time')?.getAttribute('datetime') !== d", arg=newest)
    oldest = page.locator("#search-results time").first.get_attribute("datetime")
    assert oldest < newest and "sort=asc" in page.url


class BodyText(HTMLParser):
    """The text of an article (its element of class article-text): what find-in-page searches."""

    def __init__(self):
        super().__init__()
        self.depth, self.parts = 0, []

    BLOCKS = {"p", "div", "header", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote"}

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
            if tag in self.BLOCKS:
                self.parts.append("\n")  # find-in-page does not match across blocks either
        elif "article-text" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if tag in self.BLOCKS:
                self.parts.append("\n")

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def body_texts(site) -> dict[str, str]:
    """The text of each article page, whitespace collapsed: the ground truth of search."""
    texts = {}
    for path in html_files(site):
        parser = BodyText()
        parser.feed(path.read_text(encoding="utf-8"))
        if parser.parts:
            text = re.sub(r"[^\S\n]+", " ", "".join(parser.parts))
            texts["/" + path.relative_to(site).as_posix()] = re.sub(r" ?\n[\n ]*", "\n", text)
    return texts


def query_set(texts: dict[str, str], seed: int = 7) -> list[str]:
    """Words, names, arbitrary substrings of 1–10 characters and single characters from the archive."""
    import random
    rng = random.Random(seed)
    pages = sorted(texts.values())
    queries = ["国民党", "解放区", "停战协定", "美国", "毛泽东", "人民日报", "刘白羽", "土地改革", "民", "救济总署", "聊城",
               "晋冀鲁豫", "新华社", "蒋介石", "黄河", "××", "（１）"]
    while len(queries) < 160:
        text = rng.choice(pages)
        n = rng.randint(1, 10)
        i = rng.randrange(0, max(1, len(text) - n))
        q = text[i:i + n].strip()
        if re.search(r"[\u4e00-\u9fff]", q) and not re.search(r"[¶#\n]", q):
            queries.append(q)
    return queries


def test_search_finds_what_find_in_page_finds(page, corpus_site, serve_folder):
    import opencc
    texts = body_texts(corpus_site)
    assert len(texts) == 159
    page.goto(serve_folder(corpus_site) + "search/index.html")
    queries = query_set(texts)
    s2t = opencc.OpenCC("s2t")
    traditional = [(s2t.convert(q), q) for q in queries[::4] if s2t.convert(q) != q][:30]
    assert len(traditional) >= 15
    found_total = relevant_total = hits = 0
    misses = []
    for query, meaning in [(q, q) for q in queries] + traditional:
        expected = {url for url, text in texts.items() if meaning in text}
        found = set(page.evaluate("q => archiveSearch(q)", query))
        hits += len(found & expected)
        found_total += len(found)
        relevant_total += len(expected)
        if expected - found:
            misses.append(query)
    recall, precision = hits / relevant_total, hits / found_total

    print(f"{len(queries) + len(traditional)} queries: recall {recall:.4f}, precision {precision:.4f}")
    assert misses == [] and recall == 1.0, misses
    assert precision >= 0.99


def test_traditional_queries_find_simplified_text_and_the_article_shows_what_was_found(page, sample_site, serve_folder):
    base = serve_folder(sample_site)
    page.goto(base + "search/index.html")
    simplified = page.evaluate("q => archiveSearch(q)", "哈尔滨")
    assert len(simplified) == 5 and page.evaluate("q => archiveSearch(q)", "哈爾濱") == simplified
    page.fill("#search-q", "孔明燈")
    page.press("#search-q", "Enter")
    assert wait_for_results(page).count() == 1
    page.locator("#search-results li a").first.click()
    page.wait_for_load_state()
    marks = page.locator(".article-text mark.found")
    assert marks.count() >= 5 and set(marks.all_inner_texts()) == {"孔明灯"}


def test_mixed_chinese_and_digit_queries(page, sample_site, serve_folder):
    page.goto(serve_folder(sample_site) + "search/index.html")
    texts = body_texts(sample_site)
    for query in ["2023 年", "423 件", "3.25 万人次", "2 月 1 日", "16.13 亿元"]:
        expected = sorted(url for url, text in texts.items() if query in text)
        assert expected and sorted(page.evaluate("q => archiveSearch(q)", query)) == expected, query


def test_reading_from_disk_home_issue_article_topic(page, sample_site):
    page.goto((sample_site / "index.html").as_uri())
    page.click("text=哈尔滨日报 2024年2月2日")
    assert page.url.endswith("2024/02/02/index.html")
    page.locator("a", has_text="减少一次燃放 增加一份安全").first.click()
    assert page.locator("h1").inner_text() == "减少一次燃放 增加一份安全"
    page.locator(".topics a", has_text="孔明灯").click()
    assert page.url.endswith("topics/kong-ming-deng/index.html")
    assert page.locator("h1").inner_text() == "孔明灯"
    styles = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert styles != "rgba(0, 0, 0, 0)"  # the stylesheet loaded from disk


def test_search_from_disk_says_why_it_cannot_run(page, sample_site):
    page.goto((sample_site / "search/index.html").as_uri())
    notice = page.locator("#search-offline")
    assert notice.is_visible() and "本地磁盘" in notice.inner_text()


@pytest.mark.parametrize("rel", ["index.html", "2024/02/02/index.html", "2024/02/02/renda-changweihui-2023-gongzuo-zongshu/index.html",
                                 "search/index.html", "archive/index.html", "archive/2024/index.html"])
def test_pages_fit_a_360px_phone(browser, sample_site, rel):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto((sample_site / rel).as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.close()


def two_year_archive(corpus_content, tmp_path):
    """The 1946 corpus and the 2024 sample in one archive (two years: two shards), built; its config."""
    import shutil
    from newsarchive.pipeline import build
    from tests.conftest import ROOT, make_config
    content = tmp_path / "content"
    shutil.copytree(corpus_content, content)
    shutil.copytree(ROOT / "content", content, dirs_exist_ok=True)
    config = make_config(tmp_path, content)
    build(config)
    return config


def test_results_from_several_index_shards_follow_one_date_order(page, corpus_content, tmp_path, serve_folder):
    """Two years make two Pagefind shards; results still come newest (or oldest) first."""
    config = two_year_archive(corpus_content, tmp_path)
    assert [s.split()[0] for s in json.loads((config.output / "pagefind/shards.json").read_text())] == ["2024", "1946"]
    page.goto(serve_folder(config.output) + "search/index.html")
    newest = page.evaluate("q => archiveSearch(q)", "人民")
    dates = [re.search(r"/(\d{4}/\d\d/\d\d)/", u).group(1) for u in newest]
    assert dates == sorted(dates, reverse=True) and dates[0].startswith("2024") and dates[-1].startswith("1946")
    oldest = page.evaluate("q => archiveSearch(q, {sort: 'asc'})", "人民")
    assert sorted(oldest) == sorted(newest)
    asc = [re.search(r"/(\d{4}/\d\d/\d\d)/", u).group(1) for u in oldest]
    assert asc == sorted(asc)
    only_2024 = page.evaluate("q => archiveSearch(q, {filters: {year: ['2024']}})", "人民")
    assert only_2024 == [u for u in newest if "/2024/" in u]
    # the router sends a word to the shards that hold it: 孔明灯 is only in 2024's (the router's slot 1,
    # counted from the end of the shard list), 蒋介石 only in 1946's (slot 0)
    for word, shard, other in (("孔明灯", "2024", "1946"), ("蒋介石", "1946", "2024")):
        page.goto(serve_folder(config.output) + "search/index.html")
        requested = []
        page.on("request", lambda r: requested.append(r.url))
        found = page.evaluate("q => archiveSearch(q)", word)
        assert found and all(f"/{shard}/" in u for u in found), word
        assert any(f"/pagefind/{shard}/" in u for u in requested) and not any(f"/pagefind/{other}/" in u for u in requested)
    page.fill("#search-q", "人民")
    page.press("#search-q", "Enter")
    wait_for_results(page)
    while page.locator("#search-more").is_visible():  # the older shard is searched on demand
        page.click("#search-more")
        page.wait_for_timeout(100)
    counts = page.inner_text("#search-filters")
    assert f"2024 ({len(only_2024)})" in counts and f"1946 ({len(newest) - len(only_2024)})" in counts

    # The router sends a query only to the shards holding its characters.
    fresh = page.context.new_page()
    requested = []
    fresh.on("request", lambda r: requested.append(r.url))
    fresh.goto(serve_folder(config.output) + "search/index.html?q=" + quote("国民党"))
    wait_for_results(fresh)
    assert any("/pagefind/1946/" in u for u in requested) and not any("/pagefind/2024/" in u for u in requested)
    requested.clear()
    fresh.fill("#search-q", "量子计算机")
    fresh.press("#search-q", "Enter")
    fresh.wait_for_function("() => document.getElementById('search-status').textContent.startsWith('没有找到')")
    assert not any(re.search(r"/pagefind/\d{4}/", u) for u in requested)


def test_the_first_page_of_results_loads_only_the_shards_it_needs(page, corpus_content, tmp_path, serve_folder):
    """A reader's first query loads the newest shard; older ones load when 显示更多 reaches them."""
    import shutil
    from newsarchive.pipeline import build
    from tests.conftest import make_config
    content = tmp_path / "content"
    shutil.copytree(corpus_content / "1946", content / "1946")
    for md in (corpus_content / "1946").rglob("*"):  # the same issues a year later: a second shard
        target = content / "1947" / md.relative_to(corpus_content / "1946")
        if md.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(md.read_text(encoding="utf-8").replace("date: 1946-", "date: 1947-"), encoding="utf-8")
    config = make_config(tmp_path, content)
    build(config)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(serve_folder(config.output) + "search/index.html?q=" + quote("国民党"))
    wait_for_results(page)
    assert page.locator("#search-results li").count() == 20
    assert "以上" in page.inner_text("#search-status")
    assert any("/pagefind/1947/" in u for u in requested) and not any("/pagefind/1946/" in u for u in requested)
    total = len(page.evaluate("q => archiveSearch(q)", "国民党"))
    while page.locator("#search-more").is_visible():
        page.click("#search-more")
        page.wait_for_timeout(100)
    assert page.locator("#search-results li").count() == total
    assert any("/pagefind/1946/" in u for u in requested)
    dates = page.locator("#search-results time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert dates == sorted(dates, reverse=True) and dates[0].startswith("1947") and dates[-1].startswith("1946")

    # Across shards and through the router, search still finds exactly what find-in-page finds.
    texts = body_texts(config.output)
    for query in query_set(texts, seed=11)[:60]:
        expected = sorted(url for url, text in texts.items() if query in text)
        assert sorted(page.evaluate("q => archiveSearch(q)", query)) == expected, query


def test_a_date_range_finds_only_its_days_and_loads_only_its_shards(page, corpus_content, tmp_path, serve_folder):
    """From–to by day, beside the year filter and in the URL; a shard outside the range is not loaded."""
    config = two_year_archive(corpus_content, tmp_path)
    content = config.content
    base = serve_folder(config.output)
    page.goto(base + "search/index.html")
    everything = page.evaluate("q => archiveSearch(q)", "人民")
    in_range = page.evaluate("q => archiveSearch(q, {from: '1946-05-16', to: '1946-05-17'})", "人民")
    days = {re.search(r"/(\d{4}/\d\d/\d\d)/", u).group(1) for u in in_range}
    assert in_range == [u for u in everything if re.search(r"/1946/05/1[67]/", u)] and days == {"1946/05/16", "1946/05/17"}
    # no query: every article of the range; the ends may come in either order
    whole_days = page.evaluate("() => archiveSearch('', {from: '1946-05-17', to: '1946-05-16'})")
    assert len(whole_days) == len(list((content / "1946/05/16").glob("*.md")) + list((content / "1946/05/17").glob("*.md")))
    fresh = page.context.new_page()
    requested = []
    fresh.on("request", lambda r: requested.append(r.url))
    fresh.goto(base + "search/index.html?q=" + quote("人民") + "&from=1946-05-16&to=1946-05-17")
    wait_for_results(fresh)
    assert fresh.locator("#search-results li").count() == min(20, len(in_range))  # a page of results
    assert fresh.input_value("#search-from") == "1946-05-16" and fresh.input_value("#search-to") == "1946-05-17"
    assert any("/pagefind/1946/" in u for u in requested) and not any("/pagefind/2024/" in u for u in requested)
    fresh.fill("#search-from", "2024-01-01")
    fresh.fill("#search-to", "2024-12-31")
    fresh.dispatch_event("#search-to", "change")
    fresh.wait_for_function("() => location.search.includes('from=2024-01-01')")
    wait_for_results(fresh)
    dates = fresh.locator("#search-results time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert dates and all(d.startswith("2024") for d in dates)
    # from disk, the headline search keeps to the range too
    disk = page.context.new_page()
    disk.goto((config.output / "search/index.html").as_uri() + "?from=2024-02-02&to=2024-02-02")
    disk.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0")
    assert disk.locator("#search-results li").count() == 6


def test_the_search_page_reads_a_keys_shards_in_each_form_the_router_writes(page, sample_site, serve_folder):
    """One slot's number, a list of slots, hexadecimal digits: the same bits as the build meant."""
    from newsarchive.search.router import encode
    page.goto(serve_folder(sample_site) + "search/index.html")
    for bits in (1, 1 << 70, (1 << 600) | (1 << 3) | (1 << 455), (1 << 90) - 1, 0b1011):
        value = encode(bits)
        assert page.evaluate("v => ArchiveSearch.bitsOf(v).toString(16)", value) == format(bits, "x"), value
    assert page.evaluate("() => ArchiveSearch.bitsOf(undefined).toString()") == "0"


def test_the_search_page_reads_back_each_shards_name_and_days(page, sample_site, serve_folder):
    """The shard list's short entries (shards.py shard_entry) give the page the days the build meant."""
    from newsarchive.search.shards import shard_entry
    page.goto(serve_folder(sample_site) + "search/index.html")
    for shard, first, last in (("1946", "1946-05-01", "1946-12-31"), ("1969-02", "1969-02-01", "1969-02-28"),
                               ("1969-02-3", "1969-02-21", "1969-02-23"), ("1969-02-3", "1969-02-30", "1969-02-31"),
                               ("0999", "0999-05-05", "0999-05-05")):
        entry = shard_entry(shard, first, last)
        assert len(entry) < len(f"{shard} {first} {last}")
        assert page.evaluate("e => ArchiveSearch.shardInfo(e, 3)", entry) == {
            "id": shard, "path": shard + "/", "first": first, "last": last, "slot": 3}, entry
