"""Topics suggested from an article's text: jieba's TF-IDF keywords (nouns and names)."""

from __future__ import annotations

import functools

SUGGESTED = 5  # keywords suggested per article
KINDS = ("n", "nr", "ns", "nt", "nz", "vn")  # nouns: common, personal, place, organisation, other; verbal nouns


@functools.cache
def _extractor():
    import logging

    import jieba
    import jieba.analyse
    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict…" on every import
    return jieba.analyse.extract_tags


def suggest_topics(text: str, count: int = SUGGESTED) -> list[str]:
    """The `count` words most particular to this text (TF-IDF against jieba's corpus), best first."""
    if not text.strip():
        return []
    return list(_extractor()(text, topK=count, allowPOS=KINDS))
