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

import importlib.util
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ownerguard.detect.namedata import (
    COMPOUND_SURNAMES,
    EXTENDED_SURNAMES,
    RARE_SURNAMES,
    SURNAMES,
)

_ALL_SURNAMES = SURNAMES | EXTENDED_SURNAMES | RARE_SURNAMES


@dataclass(frozen=True, slots=True)
class Lexicon:
    words: dict[str, str]          # 2–3 character words → frequency (digits, as in the file)
    names: frozenset[str]          # 2–4 character dictionary names (nr) that start with a surname
    given: dict[str, float]        # character → log-odds of standing in a given name

    def word_freq(self, word: str) -> int:
        freq = self.words.get(word)
        return int(freq) if freq else 0

    def given_score(self, ch: str) -> float:
        return self.given.get(ch, -3.0)


def _read_dictionary() -> str:
    """jieba's dictionary (``word freq tag`` per line), from inside the installed package.

    Located without importing jieba (its import alone costs ~0.5 s and sets up a logger)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba is not installed; `pip install jieba` (a dependency)")
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    return path.read_text(encoding="utf-8")


# Two-character words are looked up anywhere around a candidate (李娜|明天), three-character
# ones only as a candidate itself, which starts with a surname or 小/老: one regex pass each
# over the whole file, ~3x faster than splitting 349,046 lines in Python.
_WORD2 = re.compile(r"^(\S\S) (\d+) ", re.M)
_WORD3 = re.compile(r"^([" + "".join(sorted(_ALL_SURNAMES | {"小", "老"})) + r"]\S\S) (\d+) ",
                    re.M)
_NAMES = re.compile(r"^(\S{2,4}) \d+ nr", re.M)
_FREQUENT = re.compile(r"^(\S+) (?:[1-9][0-9]+|[5-9]) ", re.M)


@lru_cache(maxsize=1)
def load() -> Lexicon:
    """Build the lexicon (once per process)."""
    data = _read_dictionary()
    words = dict(_WORD2.findall(data))
    words.update(_WORD3.findall(data))
    names = set()
    for word in _NAMES.findall(data):
        sur = 2 if word[:2] in COMPOUND_SURNAMES else 1 if word[0] in _ALL_SURNAMES else 0
        if sur and 1 <= len(word) - sur <= 2:
            names.add(word)
    in_names = Counter("".join(w[2:] if w[:2] in COMPOUND_SURNAMES else w[1:] for w in names))
    in_words = Counter("".join(_FREQUENT.findall(data)))
    total_names = sum(in_names.values()) or 1
    total_words = sum(in_words.values()) or 1
    given = {}
    for ch in in_names.keys() | in_words.keys():
        p_name = (in_names.get(ch, 0) + 0.5) / total_names
        p_word = (in_words.get(ch, 0) + 0.5) / total_words
        given[ch] = math.log(p_name / p_word)
    return Lexicon(words=words, names=frozenset(names), given=given)
