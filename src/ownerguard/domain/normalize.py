"""Normalise and validate the personal values of one sheet cell: phone, ID number, plate, name, gender.

Pure functions, no I/O. They run once per cell of imports of 100k+ rows, so each one is a few
string operations on precompiled tables and regexes (``phonenumbers`` would cost ~30 µs a call).

Every failure raises ``InvalidValue``, an ``errors.Invalid`` whose code (``error.<code>`` in the
catalogue) says what to fix; its parameters are lengths and limits, never the value itself:
reasons end up in import reports, logs and screens, where a clear value would defeat masking (L9)
and the security measures around personal data (L8).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TypeGuard

from stdnum.cn import ric

from ownerguard import clock
from ownerguard.errors import Invalid


class InvalidValue(Invalid, ValueError):
    """A cell value that cannot be used; the code says what to fix, without the value."""


# Full-width ASCII (U+FF01..FF5E) → ASCII, ideographic space → space: what Chinese IMEs type.
# str.translate with this table is ~5x faster than unicodedata NFKC on the hot path.
_FULLWIDTH: dict[int, int | str | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = " "


def _to_text(raw: object) -> str:
    """Cell value → text. Excel keeps whole numbers as floats (18736925220.0 → "18736925220")."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        raise InvalidValue("cell_is_boolean")
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _is_number(raw: object) -> TypeGuard[int | float]:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool)


# ---------------------------------------------------------------------------------------------
# Phone

# Separators people type inside a phone number; deleted in the same pass as full-width folding.
_PHONE_TABLE = dict(_FULLWIDTH)
for _ch in " \t\u00a0-.()\u2010\u2011\u2012\u2013\u2014\u2212\u3000\uff0d\uff0e\uff08\uff09":
    _PHONE_TABLE[ord(_ch)] = None

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)     # ASCII: \d would admit Arabic-Indic digits
_LANDLINE = re.compile(r"0\d{9,11}", re.ASCII)
_NUMBER_AS_TEXT = re.compile(r"\d+\.0+", re.ASCII)       # "18736925220.0": a float written out as text
_EXTENSION = re.compile(r"转|分机|ext|#|x\s*\d+$", re.IGNORECASE)
_LANDLINE_WITH_EXTENSION = re.compile(r"\(?0\d{2,3}\)?[-\s]?\d{7,8}[-\s]+\d{1,6}", re.ASCII)
_LETTER = re.compile(r"[A-Za-z]")


def normalize_phone(raw: object) -> str:
    """Return an 11-digit CN mobile ("13812345678") or a landline "AREA-NUMBER" ("010-12345678").

    Accepts Excel numbers, full-width digits, spaces, dashes, dots, parentheses and a +86/0086/86
    prefix. Extensions are refused: a number with an extension cannot be texted or matched.
    Reasons carry no example numbers either: an example could itself match part of the value.
    """
    if type(raw) is str and len(raw) == 11 and _MOBILE.fullmatch(raw):
        return raw                                # the common case, ~5x faster than the full path
    if isinstance(raw, float) and not raw.is_integer():
        raise InvalidValue("phone_decimal")
    text = _to_text(raw).strip()
    if "." in text and _NUMBER_AS_TEXT.fullmatch(text):
        text = text.split(".", 1)[0]
    digits = text.translate(_PHONE_TABLE)
    if not digits:
        raise InvalidValue("phone_empty")
    if not digits.isdigit():
        digits = _national_or_raise(text, digits)
    elif digits.startswith("0086"):
        digits = _national(digits[4:])
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]                       # "86" written without the plus
    if digits[0] == "1":
        return _mobile(digits)
    if digits[0] == "0":
        return _landline(digits, text)
    raise InvalidValue("phone_bad_start")


def _national_or_raise(text: str, digits: str) -> str:
    """Drop a "+86"; any other non-digit gets a reason naming what is wrong."""
    if digits.startswith("+86") and digits[3:].isdigit() and len(digits) > 3:
        return _national(digits[3:])
    if _EXTENSION.search(text):
        raise InvalidValue("phone_extension")
    if _LETTER.search(digits):
        raise InvalidValue("phone_letters")
    if digits.startswith("+"):
        raise InvalidValue("phone_foreign")
    raise InvalidValue("phone_bad_chars")


def _national(rest: str) -> str:
    """The number after +86/0086. International form drops a landline's trunk 0 (+86 10 1234 5678):
    put it back, except for mobiles, which are 1[3-9]… with or without a country code."""
    if not rest:
        raise InvalidValue("phone_country_only")
    if rest[0] == "0" or (rest[0] == "1" and not rest.startswith("10")):
        return rest
    return "0" + rest


def _mobile(digits: str) -> str:
    if len(digits) != 11:
        raise InvalidValue("mobile_length", length=len(digits))
    if not _MOBILE.fullmatch(digits):
        raise InvalidValue("mobile_second_digit")
    return digits


def _landline(digits: str, text: str) -> str:
    if not _LANDLINE.fullmatch(digits):
        if _LANDLINE_WITH_EXTENSION.fullmatch(text):
            raise InvalidValue("phone_extension")
        raise InvalidValue("landline_length", length=len(digits))
    # Area codes 010 and 020-029 have three digits; every other CN area code has four.
    area_len = 3 if digits[1] in "12" else 4
    number = digits[area_len:]
    if not 7 <= len(number) <= 8 or number[0] == "0":
        raise InvalidValue("landline_number")
    return f"{digits[:area_len]}-{number}"


# ---------------------------------------------------------------------------------------------
# Resident ID number (居民身份证号)


@dataclass(frozen=True, slots=True)
class IdNumber:
    number: str                   # 18 digits (last may be X) or 15 digits
    legacy15: bool                # the 15-digit first-generation number
    birth_date: date
    gender: str | None            # from the sequence digit: odd 男, even 女


_ID_DELETE = dict(_FULLWIDTH)
for _ch in " \t\u00a0\u3000":
    _ID_DELETE[ord(_ch)] = None

_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.ASCII)
_ID18 = re.compile(r"\d{17}[\dX]", re.ASCII)
_ID15 = re.compile(r"\d{15}", re.ASCII)
_ALNUM = re.compile(r"[0-9A-Z]+")  # explicit ranges: \w and \d would admit non-ASCII digits
_EARLIEST_BIRTH = date(1900, 1, 1)


def normalize_id_number(raw: object) -> IdNumber:
    """Validate a resident ID number (18 digits, or a 15-digit legacy number) and read its facts.

    The check digit and birth date are verified, the birth place is not: ``ric.validate`` (and
    ``is_valid``) looks the region code up in a table (~56 µs a call) and rejects genuine IDs whose
    region has since been merged or renamed, which happens to long-time owners in older districts.
    The birth date is read here rather than with ``ric.get_birth_date``: that one re-cleans the
    number first and costs ~4 µs, half of this whole function; the digits are already clean.
    """
    text = _id_text(raw).upper()
    if _ID18.fullmatch(text):
        return _id18(text)
    if _ID15.fullmatch(text):
        return _id15(text)
    raise _id_refusal(text)


def _id_refusal(text: str) -> InvalidValue:
    """Why a text that is neither 18 nor 15 well-formed characters is wrong, most specific first."""
    if _SCIENTIFIC.fullmatch(text):
        return InvalidValue("id_excel_lost_digits")
    if not _ALNUM.fullmatch(text):
        return InvalidValue("id_bad_chars")
    if len(text) == 18:
        return InvalidValue("id_letter_position")
    if len(text) == 15:
        return InvalidValue("id15_digits")
    return InvalidValue("id_length", length=len(text))


def _id_text(raw: object) -> str:
    """Text of an ID cell; a number with 16+ digits has already lost its last digits in Excel."""
    if _is_number(raw):
        if isinstance(raw, float) and not raw.is_integer():
            raise InvalidValue("id_decimal")
        # A double keeps 15-16 significant digits: anything longer is already rounded.
        if abs(int(raw)) >= 10**15:
            raise InvalidValue("id_excel_lost_digits")
    if type(raw) is str and raw.isascii() and raw.isalnum():
        return raw                                # already clean: skip the translate pass
    text = _to_text(raw).translate(_ID_DELETE)
    if not text:
        raise InvalidValue("id_empty")
    return text


def _id18(number: str) -> IdNumber:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidValue("id_birth_invalid") from None
    _check_birth_date(born)
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidValue("id_check_digit")
    return IdNumber(number, False, born, "男" if int(number[16]) % 2 else "女")


def _id15(number: str) -> IdNumber:
    try:
        born = date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        raise InvalidValue("id15_birth_invalid") from None
    return IdNumber(number, True, born, "男" if int(number[14]) % 2 else "女")


def _check_birth_date(born: date) -> None:
    if born < _EARLIEST_BIRTH or born > clock.today():
        raise InvalidValue("id_birth_impossible")


# ---------------------------------------------------------------------------------------------
# Other ID documents (passport, permits)

_OTHER_ID = re.compile(r"[A-Z0-9]{5,20}")


def normalize_other_id(raw: object) -> str:
    """A passport or permit number: no spaces, upper case, 5-20 letters or digits."""
    if _is_number(raw) and abs(raw) >= 10**15:
        raise InvalidValue("other_id_excel_lost_digits")
    text = _to_text(raw).translate(_ID_DELETE).upper()
    if not _OTHER_ID.fullmatch(text):
        raise InvalidValue("other_id_length", length=len(text))
    return text


# ---------------------------------------------------------------------------------------------
# Licence plate

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_TABLE = dict(_FULLWIDTH)
for _ch in " \t\u00a0\u3000.-\u00b7\u2022\u30fb\uff65\uff0e\uff0d\u2027\u22c5":   # spaces, dots, dashes
    _PLATE_TABLE[ord(_ch)] = None
_PLATE_PATTERNS = (
    re.compile(rf"[{_PROVINCES}][A-Z][A-Z0-9]{{5,6}}"),          # 7 chars, or 8 for new energy
    re.compile(rf"[{_PROVINCES}][A-Z][A-Z0-9]{{4}}[警学挂领港澳试超]"),  # police, driving school, trailer …
    re.compile(r"使\d{6}|\d{6}使", re.ASCII),                                # embassy
)


def normalize_plate(raw: object) -> str:
    """Return a plate without spaces, dots or dashes, upper case: "京A·D1234 5" → "京AD12345"."""
    plate = _to_text(raw).translate(_PLATE_TABLE).upper()
    if not plate:
        raise InvalidValue("plate_empty")
    for pattern in _PLATE_PATTERNS:
        if pattern.fullmatch(plate):
            return plate
    raise _plate_refusal(plate)


def _plate_refusal(plate: str) -> InvalidValue:
    if plate[0] not in _PROVINCES:
        return InvalidValue("plate_province")
    if len(plate) < 2 or not ("A" <= plate[1] <= "Z"):
        return InvalidValue("plate_authority")
    if not 7 <= len(plate) <= 8:
        return InvalidValue("plate_length", length=len(plate))
    return InvalidValue("plate_chars")


# ---------------------------------------------------------------------------------------------
# Name

# Minority and foreign names are written with many look-alike middle dots; one spelling lets
# "阿卜杜·热合曼" typed on different keyboards match.
_DOTS: dict[int, str | None] = {ord(ch): "·" for ch in ".\u2022\u30fb\uff65\u2027\u22c5\u2219"}   # . • ・ ･ ‧ ⋅ ∙
# Zero-width characters (an export's row tags among them) are dropped: invisible, they would
# make one name two.
_DOTS.update({ord(ch): None for ch in "\u200b\u200c\u2060\ufeff"})
_DOT_SPACES = re.compile(r"\s*·\s*")
_NAME_MAX = 40


def normalize_name(raw: object) -> str:
    name = " ".join(unicodedata.normalize("NFKC", _to_text(raw)).translate(_DOTS).split())
    if not name:
        raise InvalidValue("name_empty")
    if "·" in name:
        name = _DOT_SPACES.sub("·", name)
    if len(name) > _NAME_MAX:
        raise InvalidValue("name_too_long", max=_NAME_MAX, length=len(name))
    if name.replace("·", "").replace(" ", "").isdigit():
        raise InvalidValue("name_digits")
    return name


# ---------------------------------------------------------------------------------------------
# Gender

_GENDERS = {
    "男": "男", "男性": "男", "m": "男", "male": "男", "1": "男",
    "女": "女", "女性": "女", "f": "女", "female": "女", "2": "女",
}


def normalize_gender(raw: object) -> str | None:
    """男/女/M/F/male/female/1/2 (GB/T 2261.1 codes) → "男"/"女"; blank → None."""
    if raw is None:
        return None
    text = _to_text(raw).strip()
    if not text:
        return None
    gender = _GENDERS.get(text.lower())
    if gender is None:
        raise InvalidValue("gender_invalid")
    return gender
