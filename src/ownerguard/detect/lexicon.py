"""The name model's data: jieba's dictionary, read once, on the first request for names.

jieba (a normal dependency) ships a 349,046-word dictionary inside its wheel — each word with a
corpus frequency and a part-of-speech tag, ``nr`` for person names. Nothing is downloaded. We
do not run jieba's segmenter (its HMM tagger finds names at ~500 texts/s, far below what the
scanner needs, and with P 0.52 on the independent set); we read the dictionary and ask it
two things where the rules meet a possible name:

* **Is this an ordinary word?** ``word_freq("方便")`` is high, ``word_freq("邓")`` is not a
  two-character word at all: a surname character that starts (or ends) a frequent word is that
  word, not a name (时间, 高兴, 开关, 小区, 老师).
* **Does this character read as a given name?** From the ~34,000 dictionary names that start
  with a surname (韦小宝, 毛泽东…) we count how often each character stands in the given part,
  against how often it stands in ordinary words: ``given_score("婷")`` is high, ``given_score
  ("的")`` very low. The sum over the given characters is the model's belief that a surname +
  one or two characters is a name.

Loading takes ~0.3 s and ~40 MB; only words of two and three characters are kept. Everything
is built by ``load()`` and cached for the process; tests and the structured-only fast path
(``find(text, types=STRUCTURED)``) never load it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ownerguard.detect.namedata import (
    COMPOUND_SURNAMES,
    EXTENDED_SURNAMES,
    RARE_SURNAMES,
    SURNAMES,
)

_ALL_SURNAMES = SURNAMES | EXTENDED_SURNAMES | RARE_SURNAMES


@dataclass(frozen=True, slots=True)
class Lexicon:
    words: dict[str, int]          # 2–3 character words → frequency
    names: frozenset[str]          # 2–4 character dictionary names (nr) that start with a surname
    given: dict[str, float]        # character → log-odds of standing in a given name

    def word_freq(self, word: str) -> int:
        return self.words.get(word, 0)

    def given_score(self, ch: str) -> float:
        return self.given.get(ch, -3.0)


def _read_dictionary():
    """Lines of jieba's dictionary (``word freq tag``), from inside the installed package."""
    ref = resources.files("jieba").joinpath("dict.txt")
    with ref.open("r", encoding="utf-8") as fh:
        yield from fh


@lru_cache(maxsize=1)
def load() -> Lexicon:
    """Build the lexicon (once per process)."""
    words: dict[str, int] = {}
    names: set[str] = set()
    in_names: dict[str, int] = {}
    in_words: dict[str, int] = {}
    for line in _read_dictionary():
        parts = line.split()
        if len(parts) < 3:
            continue
        word, freq, tag = parts[0], int(parts[1]), parts[2]
        n = len(word)
        if tag.startswith("nr"):
            sur = 2 if word[:2] in COMPOUND_SURNAMES else 1 if word[0] in _ALL_SURNAMES else 0
            if sur and 1 <= n - sur <= 2:
                names.add(word)
                for ch in word[sur:]:
                    in_names[ch] = in_names.get(ch, 0) + 1
        # Every word keeps its frequency, names too: the dictionary tags many ordinary words
        # nr (安抚, 籍贯, 白班), and its frequency is what says "ordinary".
        if 2 <= n <= 3:
            words[word] = freq
        if freq >= 5:
            for ch in word:
                in_words[ch] = in_words.get(ch, 0) + 1
    total_names = sum(in_names.values()) or 1
    total_words = sum(in_words.values()) or 1
    given = {}
    for ch in set(in_names) | set(in_words):
        p_name = (in_names.get(ch, 0) + 0.5) / total_names
        p_word = (in_words.get(ch, 0) + 0.5) / total_words
        given[ch] = math.log(p_name / p_word)
    return Lexicon(words=words, names=frozenset(names), given=given)
