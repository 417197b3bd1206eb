"""Gathering articles into issues, pages and terms; collisions found before anything is written."""

import datetime

import pytest

from newsarchive.collect import collect_site
from newsarchive.config import Config
from newsarchive.errors import BuildError
from newsarchive.model import IssueMeta
from tests.factories import DAY as D, make_article


def test_two_articles_with_one_url_fail_naming_both_files():
    with pytest.raises(BuildError) as info:
        collect_site(Config(), [make_article(source="one.md"), make_article(source="two.md")], [])
    message = str(info.value)
    assert "one.md" in message and "two.md" in message and "slug" in message


def test_an_alias_may_not_take_a_real_page():
    a = make_article(slug="a")
    b = make_article(slug="b", aliases=("2024/02/02/a/",))
    with pytest.raises(BuildError, match="alias 2024/02/02/a/ collides"):
        collect_site(Config(), [a, b], [])


def test_missing_slug_comes_from_the_title():
    site = collect_site(Config(), [make_article(slug="", title="孔明灯")], [])
    assert site.articles[0].slug == "kong-ming-deng"


def test_issues_group_pages_in_order_with_page_names_and_neighbours():
    arts = [make_article(slug=s, page=p, order=o) for s, p, o in [("c", 2, 1), ("a", 1, 2), ("b", 1, 1)]]
    meta = IssueMeta(source="issue.yaml", date=D, paper="哈尔滨日报", page_names={1: "要闻"})
    site = collect_site(Config(paper="默认"), arts, [meta])
    (issue,) = site.issues
    assert [a.slug for a in issue.articles] == ["b", "a", "c"]
    assert [(p.number, p.label) for p in issue.pages] == [(1, "第1版 要闻"), (2, "第2版")]
    assert issue.paper == "哈尔滨日报"
    assert site.neighbours["a.md"][0].slug == "b" and site.neighbours["a.md"][1].slug == "c"
    assert site.neighbours["b.md"][0] is None


def test_newest_issue_first_and_terms_newest_first():
    old = make_article(slug="old", date=datetime.date(1946, 5, 15), reporters=("王冠",))
    new = make_article(slug="new", reporters=("王冠", "李佳琪"))
    site = collect_site(Config(), [old, new], [])
    assert [i.date.year for i in site.issues] == [2024, 1946]
    (wang,) = [t for t in site.terms["reporters"] if t.name == "王冠"]
    assert [a.slug for a in wang.articles] == ["new", "old"]
    assert [y for y, _ in site.years] == [2024, 1946]


def test_names_with_the_same_pinyin_get_distinct_stable_slugs():
    site = collect_site(Config(), [make_article(reporters=("王冠", "王官"))], [])
    slugs = {t.name: t.slug for t in site.terms["reporters"]}
    assert len(set(slugs.values())) == 2 and all(s.startswith("wang-guan") for s in slugs.values())
    again = collect_site(Config(), [make_article(reporters=("王官", "王冠"))], [])
    assert {t.name: t.slug for t in again.terms["reporters"]} == slugs


def test_a_published_term_url_stays_when_a_later_name_has_the_same_pinyin():
    zhang = make_article(slug="old", date=datetime.date(2024, 1, 5), reporters=("章炜",))  # 章 sorts after 张
    before = collect_site(Config(), [zhang], [])
    assert [t.slug for t in before.terms["reporters"]] == ["zhang-wei"]
    later = make_article(slug="new", reporters=("张伟",))
    after = {t.name: t.slug for t in collect_site(Config(), [zhang, later], []).terms["reporters"]}
    assert after["章炜"] == "zhang-wei" and after["张伟"].startswith("zhang-wei-")


def test_terms_that_differ_only_in_case_are_flagged():
    site = collect_site(Config(), [make_article(slug="a", date=datetime.date(2024, 1, 1), topics=("Li",)),
                                   make_article(slug="b", topics=("li",))], [])
    (warning,) = site.warnings
    assert warning.field == "topics" and "'li' differs only in case from 'Li'" in warning.message
    assert {t.name: t.slug for t in site.terms["topics"]}["Li"] == "li"


def test_two_issue_files_for_one_date_are_an_error():
    metas = [IssueMeta(source=f"{n}/issue.yaml", date=D) for n in ("x", "y")]
    with pytest.raises(BuildError, match="second issue file"):
        collect_site(Config(), [make_article()], metas)
