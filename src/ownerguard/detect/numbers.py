"""Structured recognizers: phone, ID card, bank card, passport, e-mail, licence plate.

One regex with named groups finds every digit-like token in a single pass; Python then
validates only those candidates (checksums, dates, prefixes, context). The regex is written so
that a token is always a *whole* token: a left boundary refuses a start inside a longer run of
digits or letters (``SF1234567890123``, ``20231201138…``), and a right boundary refuses an end
that a digit, letter, ``*`` or ``@`` continues. That is how order, invoice and waybill numbers
stay out of the phone results without any list of them, and why masked values
(``138****1234``) leave nothing behind: their pieces are too short to be anything.

Context words decide only the ambiguous cases: a Luhn-valid 16–19 digit run is a bank card
when it carries a card prefix (62, 4, 5x, 3x) or a card word stands before it, unless an order
or invoice word stands closer; an 11-digit mobile right after ``订单号`` is an order number.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum import luhn
from stdnum.cn import ric

from ownerguard import clock
from ownerguard.detect.span import Candidate

_THIS_YEAR = clock.today().year

# Every token starts with one of [0-9+(EG]. The pattern consumes that character *first* so that
# the regex engine can skip ahead to the next such character in C (a pattern that starts with a
# lookbehind is tried at every position, ~3x slower); the left boundary is then checked with
# two-character lookbehinds, and each alternative says with a lookbehind which first character
# it continues. ``re.ASCII``: \d would admit Arabic-Indic digits, so classes are spelt [0-9].
# After a token: no digit, letter, mask or @ continues it, no decimal part, no thousands group
# (``,812``): a comma before anything else is a separator, as in a CSV row.
_R = r"(?![0-9A-Za-z_*@])(?!\.[0-9])(?!,[0-9]{3}(?![0-9]))(?!-[0-9])"
# Area codes: 010 and 02x are three digits, every other one is four (0xxx, x ≠ 0–2).
_AREA = r"(?:10|2[0-9]|[3-9][0-9]{2})"
_MOB_REST = r"[3-9][0-9](?:[ -]?[0-9]{4}){2}"
_LOCAL = r"[2-9][0-9]{2,3}[ -]?[0-9]{4}(?: ?(?:-|转|#|ext\.?|分机) ?[0-9]{1,5})?"

_TOKEN = re.compile(
    r"[0-9+(EG](?<![0-9A-Za-z_*].)(?<![0-9]\..)(?:"
    # mobile: 1[3-9]x xxxx xxxx with optional spaces/dashes and +86 / 0086 / (+86)
    r"(?P<mob>(?<=\+)86[ -]?1" + _MOB_REST + r"|(?<=0)086[ -]?1" + _MOB_REST
    + r"|(?<=\()\+?86\) ?1" + _MOB_REST + r"|(?<=1)" + _MOB_REST + ")"
    # landline: (0xx)xxxxxxxx, 0xx-xxxxxxxx, 0xxx xxxxxxx; local part 7–8 digits (may be 4-4);
    # optional extension
    + r"|(?P<tel>(?<=\()0" + _AREA + r"\) ?" + _LOCAL + r"|(?<=0)" + _AREA + r"[- ]" + _LOCAL + ")"
    # a card number written in groups of four: 16–19 digits
    + r"|(?P<card>(?<=[0-9])[0-9]{3}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?)"
    # an ID card written 6-8-4
    + r"|(?P<idg>(?<=[0-9])[0-9]{5} [0-9]{8} [0-9]{3}[0-9Xx])"
    # Chinese passports: E/G + 8 digits, E + letter + 7 digits
    + r"|(?P<pp>(?<=[EG])[0-9]{8}|(?<=E)[A-HJ-NP-Z][0-9]{7})"
    # any other run of 13–19 digits (an ID may end in X): classified in Python by length.
    # Shorter runs (dates, amounts, codes) match nothing and cost no Python at all.
    + r"|(?P<run>(?<=[0-9])[0-9]{12,18}(?:[Xx](?![A-Za-z]))?)"
    + r")" + _R,
    re.ASCII,
)

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+*-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.[A-Za-z]{2,}(?![A-Za-z0-9])",
    re.ASCII,
)

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "A-HJ-NP-Za-hj-np-z"
_PLATE = re.compile(
    f"[{_PROVINCES}][{_PLATE_LETTER}][·\\- ]?"
    f"(?:[DFdf][{_PLATE_LETTER}0-9]{{5}}"               # new energy, small: D/F + 5
    f"|[0-9]{{5}}[DFdf]"                               # new energy, large: 5 digits + D/F
    f"|[{_PLATE_LETTER}0-9]{{4}}[{_PLATE_LETTER}0-9挂学警港澳领])"
    r"(?![A-Za-z0-9])",
    re.ASCII,
)

# Other passport formats are only believed after a 护照 cue.
_PASSPORT_CUE = re.compile(r"护照(?:号码|号)?[ :：]*([A-Z]{1,2}[0-9]{6,9})(?![A-Za-z0-9])", re.ASCII)

# Context. Windows are short: a cue is the label right before the value.
_CONTEXT_BEFORE = 10
_NEGATIVE = re.compile(r"订单|单号|流水|发票|票号|运单|快递(?!员|小哥|师傅)|工单|编号|证号|交易号|条码|批次|"
                       r"取件码|验证码|券号|会员号|读数|尾号|合同号|序列号|型号|SN")
_CARD_WORDS = re.compile(r"卡|账号|帐号|账户|帐户|收款|转账|户名|开户")
_PHONE_WORDS = re.compile(r"电话|手机|联系|致电|拨打|热线|座机|Tel|tel|TEL|号码|微信")
_ID_WORDS = re.compile(r"身份证号?码?|证件号?码?|ID")

_PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 "
    "64 65".split())
_PERMIT_CODES = frozenset(("81", "82", "83"))  # residence permits for HK, Macau, Taiwan (18-digit)
_CARD_PREFIXES = ("62", "4", "51", "52", "53", "54", "55", "35", "37")


def _valid_date(year: int, month: int, day: int) -> bool:
    if not (1900 <= year <= _THIS_YEAR and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def id18_shape(digits: str) -> bool:
    """Region and birth date plausible: an 18-digit number that *claims* to be an ID."""
    return ((digits[:2] in _PROVINCE_CODES or digits[:2] in _PERMIT_CODES)
            and _valid_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])))


def is_id18(value: str) -> bool:
    """18 characters, plausible region and birth date, ISO 7064 check digit right."""
    value = value.upper()
    return (len(value) == 18 and value[:17].isdigit() and id18_shape(value)
            and ric.calc_check_digit(value) == value[17])


def is_id15(value: str) -> bool:
    """Legacy 15-digit ID (before 1999): region + YYMMDD (19YY) + sequence, no check digit."""
    return (len(value) == 15 and value.isdigit() and value[:2] in _PROVINCE_CODES
            and _valid_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12])))


def is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _closest(pattern: re.Pattern[str], window: str) -> int:
    """Distance from the end of ``window`` to the end of the last match, or a large number."""
    best = 1 << 30
    for match in pattern.finditer(window):
        best = len(window) - match.end()
    return best


def _negative_context(text: str, start: int, positive: re.Pattern[str]) -> bool:
    """An order/invoice/code word stands before the token, closer than any positive word."""
    window = text[max(0, start - _CONTEXT_BEFORE):start]
    negative = _closest(_NEGATIVE, window)
    return negative < (1 << 30) and negative < _closest(positive, window)


def _bank_card(text: str, start: int, digits: str) -> bool:
    if not (16 <= len(digits) <= 19 and luhn.is_valid(digits)):
        return False
    window = text[max(0, start - _CONTEXT_BEFORE):start]
    card_word = _closest(_CARD_WORDS, window)
    negative = _closest(_NEGATIVE, window)
    if negative < card_word:
        return False
    return card_word < (1 << 30) or digits.startswith(_CARD_PREFIXES)


def _classify_run(text: str, start: int, run: str) -> str | None:
    """Type of a whole run of digits (maybe ending in X), or None."""
    n = len(run)
    if n == 18:
        if run[:17].isdigit() and id18_shape(run):
            # Claims to be an ID: a wrong check digit makes it a wrong ID, not a card.
            return "id_card" if ric.calc_check_digit(run.upper()) == run[17].upper() else None
        return "bank_card" if run.isdigit() and _bank_card(text, start, run) else None
    if not run.isdigit():
        return None
    if n == 15:
        return "id_card" if is_id15(run) and not _negative_context(text, start, _ID_WORDS) \
            else None
    if 16 <= n <= 19:
        return "bank_card" if _bank_card(text, start, run) else None
    if n == 13 and run.startswith("86") and is_mobile(run[2:]):
        return None if _negative_context(text, start, _PHONE_WORDS) else "phone"
    return None


def recognize(text: str, out: list[Candidate]) -> None:
    """Append structured candidates found in the folded ``text`` to ``out``."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        start, end = match.span()
        if kind == "mob" or kind == "tel":
            if not _negative_context(text, start, _PHONE_WORDS):
                out.append((start, end, "phone"))
        elif kind == "run":
            found = _classify_run(text, start, match.group())
            if found:
                out.append((start, end, found))
        elif kind == "card":
            digits = match.group().replace(" ", "").replace("-", "")
            if _bank_card(text, start, digits):
                out.append((start, end, "bank_card"))
        elif kind == "idg":
            if is_id18(match.group().replace(" ", "")):
                out.append((start, end, "id_card"))
        else:  # pp
            out.append((start, end, "passport"))
    if "@" in text:
        for match in _EMAIL.finditer(text):
            out.append((match.start(), match.end(), "email"))
    for match in _PLATE.finditer(text):
        tail = match.group()[2:]
        if sum(ch.isdigit() for ch in tail) >= 3:
            out.append((match.start(), match.end(), "license_plate"))
    if "护照" in text:
        for match in _PASSPORT_CUE.finditer(text):
            out.append((match.start(1), match.end(1), "passport"))
