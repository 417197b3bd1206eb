"""The hand-made sample archive (content/) against the seed page it was split from."""

from collections import Counter

import pytest

from newsarchive.articles import split_front_matter
from tests.conftest import ROOT

SEED = ROOT.parent / "shared" / "seed" / "raw-page.txt"
SAMPLE = ROOT / "content" / "2024" / "02" / "02"


def visible(text: str) -> Counter:
    """Characters that matter: no whitespace, no Markdown heading marks."""
    return Counter(ch for ch in text if not ch.isspace() and ch != "#")


def sample_articles():
    for path in sorted(SAMPLE.glob("*.md")):
        yield path, split_front_matter(path.read_text(encoding="utf-8"), path.name)


def test_the_sample_holds_six_articles_with_their_bylines():
    found = {fm.data["reporter"]: fm.data for _, fm in sample_articles()}
    assert sorted(found) == sorted(["尹明", "王越", "赵晓轶", "王冠", "杜菲菲", "李佳琪"])
    assert found["李佳琪"]["kicker"] == "关于“孔明灯”哈市三部门联合倡议"
    assert found["李佳琪"]["title"] == "减少一次燃放 增加一份安全"
    assert found["王越"]["subtitle"] == "——市政协 2023 年工作综述"


def test_every_character_of_the_seed_page_is_in_exactly_one_article():
    if not SEED.exists():
        pytest.skip(f"seed page not at {SEED}")
    seed = visible(SEED.read_text(encoding="utf-8"))
    sample = Counter()
    for _, fm in sample_articles():
        headline = "".join(fm.data.get(k, "") for k in ("kicker", "title", "subtitle"))
        sample += visible(headline + fm.body)
    assert sample - seed == Counter() and seed - sample == Counter()


def test_column_breaks_are_rejoined_and_displaced_pieces_are_home():
    bodies = {fm.data["reporter"]: fm.body for _, fm in sample_articles()}
    assert "人大代表联络站建设，全年" in bodies["尹明"]
    assert "持续推动学习贯彻中共二十大精神志深走实" in bodies["王越"]
    assert "决定在大会量，提案委员会进一步完善" in bodies["王冠"]
    assert "量，提案委员会" not in bodies["杜菲菲"]
    assert "### 提升基层服务 综合救助顺民意" in bodies["杜菲菲"]
    assert "发展 and 民主" in bodies["尹明"]  # OCR noise kept as printed
