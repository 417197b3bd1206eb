"""The search index: Pagefind over the articles, with every Han character a word.

Pagefind does not segment Chinese, so a query would only match at the start of a run of Han
characters. Pagefind therefore reads, instead of the published pages, a record of each article
(`records`: its headline and text with every Han character standing apart, its details as
Pagefind metadata, filters and sort key), and the search page sends queries rewritten the same
way as exact phrases, so that search finds any substring, as find-in-page does.

The index comes in shards, each indexed again only when one of its records changed (`shards`);
a router tells the search page which shards can hold a query (`router`); OpenCC's tables let a
query in one script find the other (`variants`).
"""

from .records import FILTERS, filter_values, record, record_digest, record_page
from .router import route_keys
from .shards import SearchIndexer, pagefind_executable, shard_keys
from .variants import script_variants

__all__ = ["FILTERS", "SearchIndexer", "filter_values", "pagefind_executable", "record", "record_digest",
           "record_page", "route_keys", "script_variants", "shard_keys"]
