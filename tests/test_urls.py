"""The one module that computes URLs: relative links that work at any depth and from disk."""

import datetime

from newsarchive import urls
from newsarchive.model import Article, Term


def test_relative_urls_always_name_a_file():
    assert urls.relative_url("2024/02/02/slug/", "") == "../../../../index.html"
    assert urls.relative_url("", "2024/02/02/") == "2024/02/02/index.html"
    assert urls.relative_url("2024/02/02/a/", "2024/02/02/b/") == "../b/index.html"
    assert urls.relative_url("404.html", "static/style.css") == "static/style.css"


def test_root_url_climbs_to_the_site_root():
    assert urls.root_url("") == "./"
    assert urls.root_url("topics/ren-da/page/2/") == "../../../../"


def test_article_and_term_paths():
    a = Article(source="x.md", date=datetime.date(2024, 2, 2), title="t", section="s", slug="kongmingdeng-changyi")
    assert urls.path_of(a) == "2024/02/02/kongmingdeng-changyi/"
    term = Term("reporters", "李佳琪", "li-jia-qi", (a,))
    assert urls.term_path(term, 3) == "reporters/li-jia-qi/page/3/"


def test_slugs_are_ascii_pinyin_and_bounded():
    assert urls.slugify("哈尔滨日报") == "ha-er-bin-ri-bao"
    assert urls.slugify("2023年工作综述") == "2023-nian-gong-zuo-zong-shu"
    long = urls.slugify("履职尽责谋发展务实笃行谱新篇市十六届人大常委会工作综述" * 2)
    assert len(long) <= urls.MAX_SLUG and long.isascii() and not long.endswith("-")
    assert urls.slugify("★") == urls.short_hash("★")


def test_absolute_urls_only_with_a_base_url():
    assert urls.absolute_url("", "2024/") == ""
    assert urls.absolute_url("https://u.github.io/repo/", "2024/02/02/") == "https://u.github.io/repo/2024/02/02/"


def test_relative_urls_agree_with_posixpath_relpath():
    import posixpath
    from urllib.parse import quote
    paths = ["", "404.html", "static/style.css", "2024/02/02/", "2024/02/02/a/", "2024/02/03/b/", "topics/x/page/2/",
             "topics/x/", "search/", "feed.xml", "old/kmd.html", "2020/kmd/", "pagefind/2024/pagefind.js"]
    for a in paths:
        for b in paths:
            expected = posixpath.relpath(urls.output_file(b), posixpath.dirname(urls.output_file(a)) or ".")
            assert urls.relative_url(a, b) == quote(expected, safe="/%.-_~"), (a, b)
