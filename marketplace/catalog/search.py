"""Chinese full-text search without PostgreSQL extensions.

jieba segments the text in Python; PostgreSQL stores the words in a `tsvector` built with
the `simple` configuration (which does no stemming, so the words stay exactly as jieba cut
them) under a GIN index.

The document holds jieba's search-mode words plus every single Han character of the name,
weighted lowest. The characters let a query word that jieba splits differently still match:
古树茶 is cut as 古树 + 茶, while the product name 冰岛古树普洱茶 yields 普洱茶, not 茶.
Ranking uses the weights, so a whole-word hit in the name outranks a character hit.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from functools import reduce

from django.contrib.postgres.search import SearchQuery
from django.db import connection

_WORD = re.compile(r"\w", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_jieba_lock = threading.Lock()
_jieba_ready = False

# Place and product words jieba's general dictionary lacks or cuts wrongly.
DOMAIN_WORDS = (
    "冰岛",
    "勐库",
    "双江",
    "勐勐",
    "沙河",
    "邦丙",
    "大文",
    "忙糯",
    "台儿庄",
    "涧头集",
    "马兰屯",
    "张山子",
    "邳庄",
    "古树",
    "普洱",
    "滇红",
    "大叶种",
    "石榴",
    "古城",
    "民宿",
    "采茶",
)


def _jieba():  # type: ignore[no-untyped-def]
    global _jieba_ready
    # On first use only: loading jieba's dictionary takes about 0.6 s.
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                for word in DOMAIN_WORDS:
                    jieba.add_word(word, freq=200_000)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def segment(text: str) -> list[str]:
    """Search-mode words of `text`, without punctuation or whitespace."""
    if not text:
        return []
    return [w.strip().lower() for w in _jieba().cut_for_search(text) if _WORD.search(w)]


def han_characters(text: str) -> list[str]:
    return _HAN.findall(text or "")


def document_parts(
    *, name: str, context: Iterable[str], labels: Iterable[str], body: str
) -> tuple[str, str, str, str]:
    """The four weighted parts (A name, B context, C labels, D body + name characters)."""
    a = " ".join(segment(name))
    b = " ".join(w for text in context for w in segment(text))
    c = " ".join(w for text in labels for w in segment(text))
    d = " ".join(segment(body[:4000]) + han_characters(name))
    return a, b, c, d


_UPDATE_SQL = """
UPDATE catalog_product SET
  search_vector = setweight(to_tsvector('simple', %s), 'A')
               || setweight(to_tsvector('simple', %s), 'B')
               || setweight(to_tsvector('simple', %s), 'C')
               || setweight(to_tsvector('simple', %s), 'D'),
  search_index_dirty = false
WHERE id = %s
"""


def write_documents(rows: Sequence[tuple[int, tuple[str, str, str, str]]]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(_UPDATE_SQL, [(*parts, product_id) for product_id, parts in rows])


def build_query(text: str) -> SearchQuery | None:
    """AND of the query's words; each word may also match as all of its characters."""
    words = segment(text)
    if not words:
        return None

    def word_query(word: str) -> SearchQuery:
        whole = SearchQuery(word, config="simple", search_type="plain")
        chars = han_characters(word)
        if len(chars) > 1:
            by_chars = reduce(
                lambda acc, ch: acc & SearchQuery(ch, config="simple", search_type="plain"),
                chars[1:],
                SearchQuery(chars[0], config="simple", search_type="plain"),
            )
            return whole | by_chars
        return whole

    return reduce(lambda acc, w: acc & word_query(w), words[1:], word_query(words[0]))
