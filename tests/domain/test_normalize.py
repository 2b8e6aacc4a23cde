"""domain.normalize: phone, resident ID, plate, name and gender cells.

Invariant under test: bad input gets a code whose message (the catalogue's ``error.<code>``)
says clearly, in Chinese and in English, what to fix and never repeats the value (reasons reach
screens and logs: L8 security measures, L9 masking).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownerguard import clock
from ownerguard.domain.normalize import (
    IdNumber,
    InvalidValue,
    normalize_gender,
    normalize_id_number,
    normalize_name,
    normalize_other_id,
    normalize_phone,
    normalize_plate,
)
from ownerguard.errors import Invalid

EXCEL_LOST = "身份证号被 Excel 以科学计数法存储，后几位已丢失；请将该列设为文本格式后重新导出"
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_char(body17: str) -> str:
    """GB 11643 ISO 7064 MOD 11-2, written out independently of stdnum."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, _WEIGHTS)) % 11]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def reason_of(fn, value) -> str:
    """The Chinese message of the refusal (the English one is checked alongside)."""
    with pytest.raises(InvalidValue) as info:
        fn(value)
    reason, english = info.value.message("zh"), info.value.message("en")
    assert reason and english and str(info.value) == info.value.code
    assert f"error.{info.value.code}" not in (reason, english)      # the catalogue has it
    if isinstance(value, str) and len(value.strip()) >= 3:
        for text in (reason, english):
            assert value.strip() not in text         # L9: the reason never repeats the value
    return reason


def test_invalid_value_is_a_value_error_with_a_reason():
    err = InvalidValue("phone_empty")
    assert isinstance(err, ValueError) and isinstance(err, Invalid)
    assert err.message() == "号码为空" and err.message("en") == "the number is empty"


# --- phone -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("13812345678", "13812345678"),
    (18736925220.0, "18736925220"),                 # Excel keeps phones as floats
    (18736925220, "18736925220"),
    ("18736925220.0", "18736925220"),               # a float written out as text
    ("１３８１２３４５６７８", "13812345678"),        # full-width digits
    (" 138 1234 5678 ", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("138.1234.5678", "13812345678"),
    ("(138)12345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+86-13812345678", "13812345678"),
    ("＋８６　１３８１２３４５６７８", "13812345678"),
    ("0086 13812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("010-12345678", "010-12345678"),
    ("01012345678", "010-12345678"),
    ("(010) 1234 5678", "010-12345678"),
    ("（０２１）６２３４５６７８", "021-62345678"),
    ("0755-1234567", "0755-1234567"),
    ("0755 12345678", "0755-12345678"),
    ("+86 10 1234 5678", "010-12345678"),          # international form drops the trunk 0
    ("+86 755 1234 5678", "0755-12345678"),
    ("0086 21 62345678", "021-62345678"),
])
def test_phone_accepts_common_spellings(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw, reason", [
    ("1381234567", "手机号应为11位数字，当前为10位"),
    ("138123456789", "手机号应为11位数字，当前为12位"),
    (1381234567.0, "手机号应为11位数字，当前为10位"),
    ("12812345678", "手机号第二位应为3-9"),
    ("138abcd5678", "号码含有字母"),
    ("138一二三45678", "号码含有非数字字符"),
    ("010-12345678-123", "不支持分机号"),
    ("010-12345678转123", "不支持分机号"),
    ("0755-12345678 ext 12", "不支持分机号"),
    ("0755-123456", "区号后应为7-8位号码"),
    ("010-123456", "座机号应为区号（3-4位，以0开头）加7-8位号码，当前共9位数字"),
    ("0101234567890", "当前共13位数字"),
    ("+1 415 555 0100", "只支持中国大陆号码"),
    ("23812345678", "以1开头的11位手机号"),
    ("", "号码为空"),
    ("  - ", "号码为空"),
    (13812345678.5, "不应含小数"),
    (True, "逻辑值"),
])
def test_phone_rejects_with_a_reason_that_says_what_to_fix(raw, reason):
    assert reason in reason_of(normalize_phone, raw)


_MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
_PHONE_SPELLINGS = [
    lambda m: m,
    lambda m: float(m),
    lambda m: int(m),
    lambda m: fullwidth(m),
    lambda m: f"{m[:3]} {m[3:7]} {m[7:]}",
    lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}",
    lambda m: f"+86 {m}",
    lambda m: f"0086{m}",
    lambda m: f"86{m}",
    lambda m: f"({m[:3]}){m[3:]}",
]


@given(_MOBILES, st.sampled_from(_PHONE_SPELLINGS))
def test_any_mobile_in_any_spelling_normalises_to_itself(mobile, spell):
    assert normalize_phone(spell(mobile)) == mobile


@given(_MOBILES.map(lambda m: m[:-1]))
def test_a_mobile_missing_a_digit_is_refused_without_echoing_it(short):
    assert reason_of(normalize_phone, short) == "手机号应为11位数字，当前为10位"


# --- resident ID -------------------------------------------------------------------------------

@st.composite
def resident_ids(draw) -> tuple[str, date, str]:
    region = draw(st.integers(110000, 659999))
    born = draw(st.dates(date(1900, 1, 1), clock.today()))
    sequence = draw(st.integers(0, 999))
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + check_char(body), born, "男" if sequence % 2 else "女"


@given(resident_ids())
def test_any_valid_18_digit_id_round_trips(case):
    number, born, gender = case
    assert normalize_id_number(number) == IdNumber(number, False, born, gender)


@given(resident_ids(), st.sampled_from([fullwidth, str.lower, lambda n: f" {n[:6]} {n[6:14]} {n[14:]} ",
                                        lambda n: "\u3000" + fullwidth(n.lower())]))
def test_full_width_spaced_and_lower_case_ids_normalise_the_same(case, spell):
    number, _, _ = case
    assert normalize_id_number(spell(number)).number == number


@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_typo_is_refused(case, position, char):
    number, _, _ = case
    typo = number[:position] + char + number[position + 1:]
    if typo != number:
        reason_of(normalize_id_number, typo)


def test_id_lower_case_x_and_facts():
    parsed = normalize_id_number("11010519491231002x")
    assert parsed == IdNumber("11010519491231002X", False, date(1949, 12, 31), "女")


@pytest.mark.parametrize("raw", [
    4.201061982080183e+17,          # an ID cell Excel turned into a number
    420106198208018330,             # even an int: Excel cannot hold 18 digits
    4201061982080183.0,             # 16 digits: already rounded
    "4.20106E+17",                  # how the number shows once exported to CSV
    "4.20106198208018e+17",
    "4.20106198208018E17",
])
def test_scientific_notation_ids_say_digits_were_lost(raw):
    assert reason_of(normalize_id_number, raw) == EXCEL_LOST


@pytest.mark.parametrize("raw, reason", [
    ("420106198208018331", "校验位不正确，请核对证件号"),
    ("42010619821301833X", "出生日期（第7-14位）不是有效日期"),
    ("420106198202301834", "出生日期（第7-14位）不是有效日期"),
    ("420106300001011234", "不可能（早于1900年或晚于今天）"),
    ("420106189912311234", "不可能（早于1900年或晚于今天）"),
    ("4201061982080183X3", "只有最后一位可以是字母X"),
    ("42010619820801833Y", "只有最后一位可以是字母X"),
    ("4201061982080183", "身份证号应为18位（旧证15位），当前为16位"),
    ("4201061982080183300", "当前为19位"),
    ("42010682080183X", "15位旧身份证号应全部为数字"),
    ("420106821301833", "15位身份证号中的出生日期"),
    ("420106-19820801-833X", "非法字符"),
    ("身份证号码", "非法字符"),
    ("", "身份证号为空"),
    (12345.5, "不应为小数"),
    (False, "逻辑值"),
])
def test_bad_ids_get_a_specific_reason(raw, reason):
    assert reason in reason_of(normalize_id_number, raw)


def test_legacy_15_digit_id_is_accepted_and_flagged():
    assert normalize_id_number("420106820801833") == IdNumber("420106820801833", True, date(1982, 8, 1), "男")
    assert normalize_id_number("420106820801832").gender == "女"
    # 15 digits fit in an Excel number exactly, so a numeric cell is still fine.
    assert normalize_id_number(420106820801833.0).legacy15


def test_id_skips_birthplace_lookup():
    # Region 999999 does not exist: ric.validate would refuse it; we only check date and checksum,
    # because retired region codes are still on genuine cards.
    body = "99999919800101001"
    assert normalize_id_number(body + check_char(body)).number == body + check_char(body)


# --- other ID documents ------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [("e12345678", "E12345678"), (" H 1234 5678 ", "H12345678"),
                                           ("ｇ１２３４５６７８", "G12345678"), (12345678.0, "12345678")])
def test_other_ids_are_stripped_and_upper_cased(raw, expected):
    assert normalize_other_id(raw) == expected


@pytest.mark.parametrize("raw, reason", [("E12", "5-20位字母或数字，当前为3个字符"), ("E-1234567", "5-20位"),
                                         ("A" * 21, "当前为21个字符"), (4.2e17, "科学计数法")])
def test_bad_other_ids(raw, reason):
    assert reason in reason_of(normalize_other_id, raw)


# --- plate -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("京A12345", "京A12345"),
    ("京A·12345", "京A12345"),
    ("京a 12345", "京A12345"),
    ("沪B-D1234", "沪BD1234"),
    ("粤B·D12345", "粤BD12345"),                    # new energy, 8 characters
    ("粤BD1234５", "粤BD12345"),
    ("京AD1234•5", "京AD12345"),
    ("京A1234警", "京A1234警"),
    ("粤Z1234港", "粤Z1234港"),
    ("沪A1234领", "沪A1234领"),
    ("京A1234学", "京A1234学"),
    ("鲁B1234挂", "鲁B1234挂"),
    ("使014578", "使014578"),
])
def test_plates(raw, expected):
    assert normalize_plate(raw) == expected


@pytest.mark.parametrize("raw, reason", [
    ("A12345", "第一位应为省份简称"),
    ("京112345", "第二位应为发牌机关字母"),
    ("京A1234", "应为7位（新能源车8位），当前为6位"),
    ("京A1234567", "当前为9位"),
    ("京A12警34", "只能是字母或数字"),
    ("", "车牌号为空"),
    (12345.0, "第一位应为省份简称"),
])
def test_bad_plates(raw, reason):
    assert reason in reason_of(normalize_plate, raw)


# --- name ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("  张三 ", "张三"),
    ("张\u3000三", "张 三"),
    ("Ｊｏｈｎ  Ｓｍｉｔｈ", "John Smith"),
    ("阿卜杜·热合曼", "阿卜杜·热合曼"),
    ("阿卜杜•热合曼", "阿卜杜·热合曼"),
    ("阿卜杜・热合曼", "阿卜杜·热合曼"),
    ("阿卜杜･热合曼", "阿卜杜·热合曼"),
    ("阿卜杜.热合曼", "阿卜杜·热合曼"),
    ("阿卜杜 · 热合曼", "阿卜杜·热合曼"),
])
def test_names(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize("raw, reason", [
    ("", "姓名为空"), ("   ", "姓名为空"), ("12345", "不能全是数字"), (13812345678.0, "不能全是数字"),
    ("张" * 41, "最多40个字符，当前为41个"),
])
def test_bad_names(raw, reason):
    assert reason in reason_of(normalize_name, raw)


def test_a_40_character_name_is_fine():
    assert normalize_name("张" * 40) == "张" * 40


# --- gender ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("男", "男"), ("女", "女"), ("M", "男"), ("f", "女"), ("Male", "男"), ("FEMALE", "女"),
    ("1", "男"), ("2", "女"), (1.0, "男"), (2, "女"), (" 女 ", "女"), ("男性", "男"),
    ("", None), ("  ", None), (None, None),
])
def test_gender(raw, expected):
    assert normalize_gender(raw) == expected


@pytest.mark.parametrize("raw", ["未知", "3", "x", 0.0])
def test_bad_gender(raw):
    assert "性别应为 男 或 女" in reason_of(normalize_gender, raw)


# --- speed (reported, not asserted) ------------------------------------------------------------
