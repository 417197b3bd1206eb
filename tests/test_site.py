"""The built sample and the 1946 archive: every page there, every link resolving, nothing external."""

import json
import re
from pathlib import Path

from tests.factories import snapshot
from tests.sitecheck import check_links, html_files, parse

ARTICLES = ["renda-changweihui-2023-gongzuo-zongshu", "zhengxie-2023-gongzuo-zongshu", "renda-sanci-huiyi-wei-zhibo",
            "zhengxie-tian-weiyuanhui-huiyi", "baozhang-jiben-minsheng", "kongmingdeng-changyi"]


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_the_sample_has_every_kind_of_page(sample_site):
    expected = ["index.html", "archive/index.html", "archive/2024/index.html", "search/index.html", "404.html", "2024/02/02/index.html",
                "sections/index.html", "topics/index.html", "reporters/index.html",
                "sections/shi-zheng/index.html", "topics/kong-ming-deng/index.html", "reporters/li-jia-qi/index.html",
                ".nojekyll", "static/style.css", "static/search-engine.js", "pagefind/shards.json", "pagefind/2024/pagefind.js"]
    expected += [f"2024/02/02/{slug}/index.html" for slug in ARTICLES]
    missing = [rel for rel in expected if not (sample_site / rel).is_file()]
    assert missing == []


def test_no_broken_root_absolute_or_external_links(sample_site):
    assert check_links(sample_site) == []


def test_no_broken_links_in_a_multi_issue_archive(corpus_site):
    assert check_links(corpus_site) == []


def test_every_page_is_chinese_first(sample_site):
    pages = html_files(sample_site)
    assert len(pages) > 30
    assert {parse(p).lang for p in pages} == {"zh-CN"}


def test_no_external_fonts_or_imports_in_styles_and_scripts(sample_site):
    for path in list((sample_site / "static").rglob("*")):
        text = re.sub(r'xmlns(:\w+)?="[^"]*"', "", path.read_text(encoding="utf-8"))  # names, not fetches
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//|https?://", text), path


def test_issue_page_lists_every_article_in_page_order_with_the_inferred_date_note(sample_site):
    html = read(sample_site, "2024/02/02/index.html")
    positions = [html.index(f"{slug}/index.html") for slug in ARTICLES]
    assert positions == sorted(positions)
    assert "第1版 要闻" in html and "推定" in html
    assert "关于“孔明灯”哈市三部门联合倡议" in html and "记者" in html


def test_article_page_has_headline_block_metadata_and_neighbours(sample_site):
    html = read(sample_site, "2024/02/02/kongmingdeng-changyi/index.html")
    assert '<p class="kicker">关于“孔明灯”哈市三部门联合倡议</p>' in html
    assert "<h1>减少一次燃放 增加一份安全</h1>" in html
    assert "2024年2月2日" in html and "第1版" in html and "民生" in html
    assert 'href="../../../../topics/kong-ming-deng/index.html"' in html
    assert 'rel="prev" href="../baozhang-jiben-minsheng/index.html"' in html
    assert 'href="../index.html">本期目录' in html
    assert '<link rel="canonical" href="https://example.github.io/newsarchive/2024/02/02/kongmingdeng-changyi/">' in html


def test_unknown_front_matter_keys_reach_templates(sample_site):
    html = read(sample_site, "2024/02/02/zhengxie-tian-weiyuanhui-huiyi/index.html")
    assert "编者注" in html and "疑有缺文" in html


def test_pagefind_reads_a_record_of_each_article_not_the_page(sample_site, tmp_path):
    from tests.conftest import make_config
    from newsarchive.pipeline import load_site
    from newsarchive.search.records import body_text, record, record_page
    from newsarchive.search.router import route_keys
    from tests.conftest import ROOT
    site = load_site(make_config(tmp_path, ROOT / "content"))
    article = next(a for a in site.articles if a.slug == "renda-changweihui-2023-gongzuo-zongshu")
    text = record(article, site.issue_of[article.source], "zh-CN")
    for attr in ['data-pagefind-filter="section[content]" content="时政"', 'data-pagefind-filter="year[content]" content="2024"',
                 'data-pagefind-filter="reporter[content]" content="尹明"', 'data-pagefind-filter="topic[content]" content="人大"',
                 'data-pagefind-sort="date[content]" content="2024-02-02/001/0001"',
                 'data-pagefind-meta="title[content]" content="履职尽责谋发展 务实笃行谱新篇"',
                 "<div data-pagefind-body><h1>履 职 尽 责 谋 发 展 务 实 笃 行 谱 新 篇</h1>"]:
        assert attr in text
    assert "<p>一 年 砥 砺 奋 进" in text and ' id="' not in text  # no anchors: Pagefind would copy each paragraph
    # the router's keys are taken from the record before spacing: the same keys as from the record
    for a in site.articles:
        spaced, plain = record(a, site.issue_of[a.source], "zh-CN"), record_page(a, site.issue_of[a.source], "zh-CN")
        assert spaced != plain and route_keys([body_text(spaced)]) == route_keys([body_text(plain)])
    html = read(sample_site, "2024/02/02/renda-changweihui-2023-gongzuo-zongshu/index.html")
    assert html.count("pagefind") == 1 and "data-pagefind-body" in html  # only the mark of what is searchable
    entry = json.loads(read(sample_site, "pagefind/2024/pagefind-entry.json"))
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == 6
    assert json.loads(read(sample_site, "pagefind/shards.json")) == ["2024 -02-02 -02-02"]  # its name and days


def test_term_pages_run_newest_first_and_older_pages_stay_put(corpus_site):
    first = read(corpus_site, "sections/yao-wen/index.html")
    total = int(re.search(r"共 (\d+) 篇", first).group(1))
    older = total // 10 - 1  # pages of 10 (per_page) counted from the oldest: page/2/ … page/{older + 1}/
    assert older >= 2 and f'rel="next" href="page/{older + 1}/index.html"' in first and 'rel="prev"' not in first
    newest_fixed = read(corpus_site, f"sections/yao-wen/page/{older + 1}/index.html")
    assert 'rel="prev" href="../../index.html"' in newest_fixed and f'rel="next" href="../{older}/index.html"' in newest_fixed
    oldest = read(corpus_site, "sections/yao-wen/page/2/index.html")
    assert 'rel="next"' not in oldest
    seen = []
    for html in [first] + [read(corpus_site, f"sections/yao-wen/page/{n}/index.html") for n in range(older + 1, 1, -1)]:
        seen += re.findall(r'<li class="teaser">.*?<time datetime="(\d{4}-\d\d-\d\d)"', html, re.S)
    assert len(seen) == total and seen == sorted(seen, reverse=True)  # every article once, newest first
    assert len(re.findall(r'<li class="teaser">', oldest)) == 10
    # one line and one link each (its headline's): a list of thousands repeats every byte of a teaser
    for item in re.findall(r'<li class="teaser">.*?</li>', oldest, re.S):
        assert item.count("<a ") == 1 and "\n" not in item.split("</h3>")[0] and "要闻" not in item.split("</h3>")[1]
    assert 10 <= len(re.findall(r'<li class="teaser">', first)) < 20


def test_a_new_article_changes_the_first_page_of_a_list_not_the_older_ones():
    import datetime
    from newsarchive.model import Article, Term
    from newsarchive.render import listings
    def term(n):
        articles = tuple(Article(f"{i}.md", datetime.date(1946, 1, 1) + datetime.timedelta(days=i), f"t{i}", "s", f"a{i}")
                         for i in range(n))[::-1]  # newest first
        return Term("topics", "x", "x", articles)
    before = {page.number: [a.title for a in page.articles] for page in listings(term(95), 10)}
    after = {page.number: [a.title for a in page.articles] for page in listings(term(96), 10)}
    assert before.keys() == after.keys() and all(before[n] == after[n] for n in before if n > 1)
    assert after[1][0] == "t95" and len(after[1]) == 16
    # at 100 the first page (19 → 10 articles) gives up its older 10 as a new page, the others unchanged
    assert [len(listings(term(n), 10)[0].articles) for n in (99, 100)] == [19, 10]
    assert [a.title for a in listings(term(100), 10)[-1].articles] == [f"t{i}" for i in range(89, 79, -1)]


def test_home_shows_the_latest_issue_and_a_calendar_of_its_year(corpus_site):
    html = read(corpus_site, "index.html")
    assert "1946年5月20日" in html.split("往期日历")[0]
    for day in range(15, 21):
        assert f'href="1946/05/{day}/index.html"' in html
    assert "1946年5月" in html


def test_the_home_calendar_holds_the_newest_year_and_the_archive_a_page_per_year(corpus_content, tmp_path):
    """Decades of days on one page would be megabytes on a phone: the home page has the newest
    year's, archive/ the list of years, archive/YYYY/ a year's calendar and issues."""
    import shutil
    from newsarchive.pipeline import build
    from tests.conftest import ROOT, make_config
    content = tmp_path / "content"
    shutil.copytree(corpus_content, content)
    shutil.copytree(ROOT / "content", content, dirs_exist_ok=True)
    config = make_config(tmp_path, content)
    build(config)
    home, archive = read(config.output, "index.html"), read(config.output, "archive/index.html")
    assert 'href="2024/02/02/index.html"' in home and 'href="archive/index.html"' in home
    assert "1946/05/15/index.html" not in home and 'id="y1946"' not in home
    # archive/ lists the years; each has a page of its own, with its calendar and issues
    assert re.findall(r'<a href="(\d{4})/index.html">', archive) == ["2024", "1946"]
    assert "1 期、6 篇" in archive and "6 期、159 篇" in archive and "05/15" not in archive
    y1946 = read(config.output, "archive/1946/index.html")
    assert 'id="y1946"' in y1946 and 'href="../../1946/05/15/index.html"' in y1946 and "2024/02/02" not in y1946
    assert 'rel="next" href="../2024/index.html"' in y1946 and 'rel="prev"' not in y1946
    assert 'rel="prev" href="../1946/index.html"' in read(config.output, "archive/2024/index.html")


def test_building_the_same_content_again_gives_a_byte_identical_site(corpus_content, tmp_path):
    from tests.conftest import make_config
    from newsarchive.pipeline import build
    config = make_config(tmp_path, corpus_content)
    build(config)
    first = snapshot(config.output)
    build(config, force=True)  # a real second build, not the no-op shortcut
    second = snapshot(config.output)
    assert first.keys() == second.keys() and len(first) > 300
    assert [k for k in first if first[k] != second[k]] == []


def test_two_clean_builds_differ_only_in_pagefinds_filter_and_metadata_indexes(corpus_content, tmp_path):
    """Pagefind 1.5 writes these in a varying order (its issue #638); everything else is the same."""
    from tests.conftest import make_config
    from newsarchive.pipeline import build
    outputs = []
    for name in ("a", "b"):
        config = make_config(tmp_path / name, corpus_content)
        build(config)
        outputs.append(snapshot(config.output))
    differ = {k for k in outputs[0].keys() | outputs[1].keys() if outputs[0].get(k) != outputs[1].get(k)}
    assert all(k.startswith("pagefind/") and ("/filter/" in k or k.endswith((".pf_meta", "/pagefind-entry.json")))
               for k in differ), sorted(differ)[:5]


def test_rendering_in_two_processes_gives_the_same_site_as_in_one(corpus_content, tmp_path):
    from tests.conftest import make_config
    from newsarchive.pipeline import build
    outputs = []
    for jobs in (1, 2):
        config = make_config(tmp_path / str(jobs), corpus_content)
        build(config, jobs=jobs)
        outputs.append(snapshot(config.output))
    differ = {k for k in outputs[0].keys() | outputs[1].keys() if outputs[0].get(k) != outputs[1].get(k)}
    assert all(k.startswith("pagefind/") and ("/filter/" in k or k.endswith((".pf_meta", "/pagefind-entry.json")))
               for k in differ), sorted(differ)[:5]


def test_the_link_checker_catches_each_kind_of_bad_link(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "index.html").write_text(
        '<html lang="zh-CN"><a href="/x">x</a><a href="folder/">f</a><a href="nope.html">n</a>'
        '<link rel="stylesheet" href="https://cdn.example/x.css"><a href="#gone">g</a></html>', encoding="utf-8")
    kinds = [p.rsplit(": ", 1)[1].split(" (")[0] for p in check_links(tmp_path)]
    assert kinds == ["root-absolute link", "points to a folder, not a page", "broken link", "external reference",
                     "no element with id 'gone'"]


def test_router_keys_are_the_han_characters_and_adjacent_pairs_of_each_text():
    """route_keys reads pairs as 64-bit words of UTF-32 text; it must equal the plain definition:
    whitespace removed, pairs of Han characters side by side within one text, never across texts."""
    import random
    from newsarchive.search.router import route_keys
    from newsarchive.text import HAN

    def plain(texts):
        keys = set()
        for text in texts:
            run = "".join(text.split())
            for a, b in zip(run, run[1:] + " "):
                if re.match(f"[{HAN}]", a):
                    keys.add(a)
                    if re.match(f"[{HAN}]", b):
                        keys.add(a + b)
        return keys
    rng = random.Random(3)
    alphabet = "孔明灯哈尔滨日报㐀𠀀𪚥 \n\u3000，。“”A1×○"
    for _ in range(300):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(rng.randint(0, 4))]
        assert route_keys(texts) == plain(texts), texts
    assert route_keys(["孔明 灯", "报"]) == {"孔", "明", "灯", "孔明", "明灯", "报"}  # not 灯报: another text


def test_issue_page_teasers_leave_out_what_their_page_heading_says(corpus_site, sample_site):
    html = read(corpus_site, "1946/05/15/index.html")
    page_one = html.split('<h2 id="page-1">第1版 要闻</h2>')[1].split("</section>")[0]
    teasers = re.findall(r'<li class="teaser">.*?</li>', page_one, re.S)
    assert teasers and all("第1版" not in t and "sections/yao-wen/" not in t for t in teasers)
    # a section other than the page's is still shown (the sample's 时政 articles on its page 要闻)
    sample = read(sample_site, "2024/02/02/index.html").split('<h2 id="page-1">第1版 要闻</h2>')[1]
    first = re.search(r'<li class="teaser">.*?</li>', sample, re.S).group(0)
    assert '<p class="teaser-meta"><a href="../../../sections/shi-zheng/index.html">时政</a>' in first
