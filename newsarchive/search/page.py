"""What the search page's scripts need from the build, written into the page as JSON
(#search-settings, read by static/search-engine.js): the Han range and punctuation as the index
knows them, the filters, and the paths of the index's files."""

from __future__ import annotations

from .. import urls
from ..text import CJK_PUNCTUATION_RANGES, HAN_RANGES, SYMBOLS, js_char_class
from . import router
from .records import FILTERS


def settings() -> dict:
    return {
        "han": js_char_class(HAN_RANGES),
        "cjkPunctuation": js_char_class(CJK_PUNCTUATION_RANGES),
        "symbols": SYMBOLS,
        "filters": [list(f) for f in FILTERS],
        "paths": {"shards": urls.SHARDS, "pagefind": urls.PAGEFIND, "router": urls.PAGEFIND + router.META,
                  "routerBucket": urls.PAGEFIND + router.bucket_file("{n}"),
                  "variants": urls.VARIANTS, "filters": urls.FILTERS, "headlines": urls.HEADLINES},
    }
