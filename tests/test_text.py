"""The one definition of Han characters and punctuation, as Python and JavaScript read it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from newsarchive.search.records import space_han
from newsarchive.text import CJK_PUNCTUATION_RANGES, HAN, HAN_RANGES, char_class, is_han, js_char_class
from tests.conftest import require

SAMPLES = "孔明灯々〇〡⺀⿕\U00020000\U0003134f\U00031350丽ｆ，a1 "


def test_the_han_class_is_the_ranges():
    pattern = re.compile(f"[{HAN}]")
    for ch in SAMPLES:
        assert bool(pattern.fullmatch(ch)) == is_han(ch), repr(ch)
    assert not is_han("\U00031350") and is_han("\U0003134f") and is_han("〇") and not is_han("○")


def test_javascript_reads_the_same_classes():
    """The search page builds its RegExps from js_char_class: node must match what Python does."""
    require(shutil.which("node") is not None, "node is not installed")
    for ranges in (HAN_RANGES, CJK_PUNCTUATION_RANGES):
        script = (f"const re = new RegExp('^[' + {json.dumps(js_char_class(ranges))} + ']$', 'u');"
                  f"process.stdout.write(JSON.stringify(Array.from({json.dumps(SAMPLES)}).map(c => re.test(c))))")
        found = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
        python = [bool(re.fullmatch(f"[{char_class(ranges)}]", ch)) for ch in SAMPLES]
        assert found == python


def test_punctuation_stays_with_its_word_in_a_record():
    assert space_han("“孔明灯”，倡议。") == "“孔 明 灯”， 倡 议。"
    assert space_han("（哈尔滨）") == "（哈 尔 滨）"
