"""Names that no cue word announces, scored with the lexicon model (``lexicon``).

Most names in real text stand on their own: ``交班人 聂勇``, ``邹晨的电话``, ``小邓去一下``,
``皇甫嘉（12栋…）``. The rules in ``names`` find the ones a label, title, verb or phone vouches
for; this module looks at every other place where a surname starts a run of Chinese characters
and weighs what jieba's dictionary says about it:

* **given-name characters** — the sum of ``given_score`` over the one or two characters after
  the surname (晓燕, 志强 score high; 的, 说, 下 low);
* **ordinary words** — a candidate that *is* a frequent word (高兴, 时间, 白班), starts with one
  (方便面), or whose surname ends the word before it (开|关门, 物|业) is that word;
* **edges** — Chinese is written without spaces, so a short run set off by spaces, punctuation
  or digits (``是 殷红 交的``, ``（皇甫嘉）``) is most likely a name; a run that continues into a
  frequent word is cut there (李娜|明天);
* the surname itself — common, rare (needs more evidence) or compound (欧阳, 皇甫: strong).

A candidate is kept when its score reaches ``THRESHOLD``. The weights were set by hand on the
independent development half; ``docs/detection.md`` reports them against a separate check set.
Nicknames made of 小/老 + surname (小邓, 老蔡) are scored here too: the dictionary knows 小时,
老师 and 小区 as words, so only the rest are names.
"""

from __future__ import annotations

import math
import re

from ownerguard.detect.lexicon import Lexicon, load
from ownerguard.detect.namedata import (
    COMPOUND_SURNAMES,
    EXTENDED_SURNAMES,
    NEXT_WORD_CHARS,
    NICK_STOP,
    NOT_GIVEN_FIRST,
    RARE_SURNAMES,
    STOP_WORDS,
    SURNAMES,
)
from ownerguard.detect.places import place_follows as _place_follows
from ownerguard.detect.span import Candidate

_PLACE_END = frozenset("苑园府湾城区路街村镇县省市州")

THRESHOLD = 2.0
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_RARE = EXTENDED_SURNAMES | RARE_SURNAMES
_STARTS = SURNAMES | _RARE | frozenset(c[0] for c in COMPOUND_SURNAMES) | frozenset("小老")
# Characters before a name that hand over to a person: 找邹晨, 给小邓, 和栾平, 是殷红.
_HANDOVER = frozenset("找给和跟叫问让请是被把由向对与及同帮替陪等")
# Words before a name that say who the person is (no colon, so not a label in ``names``).
_ROLE_BEFORE = ("物业", "前台", "财务", "保安", "管家", "客服", "专员", "朋友", "同事", "邻居",
                "委员", "主任", "师傅", "经理", "见证人", "交班人", "接班人", "签字", "男", "女")


def _penalty(freq: int) -> float:
    """How strongly a dictionary word of frequency ``freq`` argues against a name."""
    return 0.0 if freq < 3 else math.log(freq) * 0.9


def _score(lex: Lexicon, text: str, run_start: int, run_end: int, i: int, sur: int,
           end: int) -> float:
    cand = text[i:end]
    given = text[i + sur:end]
    if given[0] in NOT_GIVEN_FIRST or cand[:2] in STOP_WORDS:
        return -9.0
    score = sum(lex.given_score(ch) for ch in given)
    if len(given) == 1:
        score += 0.8  # one given character is common in speech (邹晨, 栾平) but scores less
    if sur == 2:
        score += 2.5
    elif text[i] in _RARE and text[i] not in SURNAMES:
        score -= 1.5
    freq = lex.word_freq(cand)
    if cand in lex.names and freq < 50:
        score += 1.0
    score -= _penalty(freq)
    if cand[-1] in _PLACE_END or _place_follows(text, end):
        return -9.0  # 金桂苑驿站, 武侯区: a place
    if len(cand) == 3 and sur == 1:
        score -= _penalty(lex.word_freq(cand[:2])) * 0.8
        score -= _penalty(lex.word_freq(cand[1:])) * 0.3
    # edges: a run that starts here, or a handover character / role word before it
    if i == run_start:
        score += 1.0
    else:
        before = text[i - 1]
        left_word = lex.word_freq(text[i - 1:i + 1])
        if before in _HANDOVER:
            score += 0.6
        elif text.endswith(_ROLE_BEFORE, max(run_start, i - 3), i):
            score += 0.6
        else:
            score -= 0.8
        score -= _penalty(left_word) * 0.8
    if end == run_end:
        score += 1.0
    else:
        after = text[end]
        score -= _penalty(lex.word_freq(text[end - 1:end + 1])) * 0.8
        if after in NEXT_WORD_CHARS:
            score += 0.3
        else:
            score -= 0.5
    return score


def _nickname(lex: Lexicon, text: str, run_start: int, run_end: int, i: int) -> float | None:
    """小邓 / 老蔡: a score, or None when ``text[i:i+2]`` is no such nickname."""
    cand = text[i:i + 2]
    if len(cand) < 2 or cand[1] not in SURNAMES or cand in NICK_STOP:
        return None
    freq = lex.word_freq(cand)
    if freq >= 300 and cand not in lex.names:
        return None
    score = 2.0 - _penalty(freq) * 0.5
    if i > run_start:
        score -= _penalty(lex.word_freq(text[i - 1:i + 1]))
        if text[i - 1] in _HANDOVER or text.endswith(_ROLE_BEFORE, run_start, i):
            score += 0.5
        else:
            score -= 0.5
    else:
        score += 0.5
    if i + 2 < run_end:
        score -= _penalty(lex.word_freq(text[i + 1:i + 3]))
        if text[i + 2] in NEXT_WORD_CHARS:
            score += 0.3
    else:
        score += 0.5
    return score


def recognize(text: str, out: list[Candidate], covered: list[tuple[int, int]]) -> None:
    """Append names that the model believes in and that no span in ``covered`` overlaps."""
    lex = load()
    found: list[tuple[float, int, int]] = []
    for run in _HAN_RUN.finditer(text):
        run_start, run_end = run.span()
        if run_end - run_start < 2:
            continue
        for i in range(run_start, run_end - 1):
            ch = text[i]
            if ch not in _STARTS:
                continue
            if ch in "小老":
                score = _nickname(lex, text, run_start, run_end, i)
                if score is not None and score >= THRESHOLD:
                    found.append((score, i, i + 2))
                if ch not in SURNAMES:
                    continue
            sur = 2 if text[i:i + 2] in COMPOUND_SURNAMES else 1
            best: tuple[float, int, int] | None = None
            for g in (1, 2):
                end = i + sur + g
                if end > run_end:
                    break
                score = _score(lex, text, run_start, run_end, i, sur, end)
                if best is None or score > best[0]:
                    best = (score, i, end)
            if best is not None and best[0] >= THRESHOLD:
                found.append(best)
    _extend(lex, text, out)
    if not found:
        return
    found.sort(reverse=True)
    taken = list(covered)
    for _best, start, end in found:
        if any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        out.append((start, end, "person_name"))


def _extend(lex: Lexicon, text: str, out: list[Candidate]) -> None:
    """A rule's two-character name followed by one more likely given character and then a
    boundary (收件人 毋德|才, 负责人：钮永|刚 151…) is a three-character name."""
    for k, (start, end, kind) in enumerate(out):
        if kind != "person_name" or end - start != 2 or end >= len(text):
            continue
        nxt = text[end]
        if not ("\u4e00" <= nxt <= "\u9fff") or nxt in NOT_GIVEN_FIRST:
            continue
        if end + 1 < len(text) and "\u4e00" <= text[end + 1] <= "\u9fff":
            continue
        if lex.given_score(nxt) > 1.0 and lex.word_freq(text[end - 1:end + 1]) < 50:
            out[k] = (start, end + 1, kind)
