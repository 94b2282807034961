"""Text preparation shared by every search backend: languages, stemming, Chinese, Japanese and Korean.

Chinese is written without spaces, so a word cannot be found by splitting on them. Runs of CJK
characters are indexed as overlapping pairs ("电子政务" -> "电子 子政 政务"), as Lucene's CJK analyser
does, and a query's CJK run becomes the phrase of its pairs: a two-character word is one pair, a
longer one a phrase of pairs, and a single character is looked up among the single characters.
"""

from __future__ import annotations

import re
from functools import cache

import tantivy

# The languages whose words are reduced to their stem; the others are found by their whole words.
STEMMED_LANGUAGES = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ru": "russian",
    "ar": "arabic",
}

_CJK = (
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
)
CJK_RUN = re.compile(f"[{_CJK}]+")


@cache
def analyzer(language: str = "") -> tantivy.TextAnalyzer:
    """Words as the index keeps them: lower case, without accents, stemmed in ``language`` if it has a
    stemmer ("Portals", "portal" -> "portal"). Tantivy's own, so indexing and comparing agree."""
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if language:
        builder = builder.filter(tantivy.Filter.stemmer(STEMMED_LANGUAGES[language]))
    return builder.build()


def stem_language(code: str) -> str:
    """The two-letter language a text's stemmer is chosen by ("fr-CA" -> "fr"), or "" if none."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in STEMMED_LANGUAGES else ""


def cjk_runs(text: str) -> list[str]:
    return CJK_RUN.findall(text)


def cjk_bigrams(run: str) -> list[str]:
    """The overlapping pairs of a run of CJK characters (the run itself if it is one character)."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def cjk_index_text(texts: list[str]) -> tuple[str, str]:
    """(pairs, single characters) of every CJK run in ``texts``, space-separated for indexing.

    Runs are kept apart by a full stop so that a phrase of pairs cannot match across two runs.
    """
    pairs: list[str] = []
    singles: list[str] = []
    for text in texts:
        for run in cjk_runs(text):
            pairs.extend(cjk_bigrams(run))
            pairs.append(".")
            singles.extend(run)
            singles.append(".")
    return " ".join(pairs), " ".join(singles)
