"""Display masking: the documented examples, and properties that must hold for any input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownerguard.vault.masking import MASKERS, mask

EXAMPLES = [
    ("phone", "13812341234", "138****1234"),
    ("phone", "+86 138 0013 1234", "138****1234"),
    ("phone", "010-12345678", "010-****5678"),
    ("phone", "(0755)1234567", "0755-***4567"),
    ("phone", "010-12345678-801", "010-****5678"),
    ("phone", "12345", "*****"),
    ("phone", "1234567", "***4567"),
    ("phone", "138 1234 张先生", "********"),
    ("id_number", "11010119820513123X", "110101**********3X"),
    ("id_number", "11010119820513123x", "110101**********3X"),
    ("id_number", "110101820513123", "110101*******23"),
    ("id_number", "E12345678", "*******78"),
    ("id_number", "1234", "****"),
    ("name", "张三", "张*"),
    ("name", "张三明", "张*明"),
    ("name", "司马相如", "司马*如"),
    ("name", "欧阳娜娜", "欧阳*娜"),
    ("name", "爱新觉罗溥仪", "爱****仪"),
    ("name", "张", "*"),
    ("name", "买买提·艾力", "买**·*力"),
    ("name", "阿卜杜拉•艾则孜", "阿***·**孜"),
    ("name", "阿·木", "阿·*"),
    ("name", "John Smith", "J***"),
    ("name", "123", "***"),
    ("plate", "京A12345", "京A***45"),
    ("plate", "京A·12345", "京A***45"),
    ("plate", "京AD12345", "京A****45"),
    ("plate", "京A1", "***"),
    ("birth_date", "1982-05-13", "1982-**-**"),
    ("birth_date", "1982/5/3", "1982-**-**"),
    ("birth_date", "1982年5月13日", "1982-**-**"),
    ("birth_date", "19820513", "1982-**-**"),
    ("birth_date", "1982-05-13 00:00:00", "1982-**-**"),
    ("birth_date", "unknown", "****-**-**"),
    ("room", "3栋2单元1203", "3栋2单元***"),
    ("room", "1号楼1203室", "1号楼***"),
    ("room", "3-2-1203", "3-2-***"),
    ("room", "1203", "***"),
    ("room", "3栋2单元", "***"),
    ("redact", "男", "*"),
    ("redact", "女性", "*"),
    ("redact", "北京市朝阳区某某路", "***"),
]


@pytest.mark.parametrize(("rule", "value", "expected"), EXAMPLES)
def test_examples(rule: str, value: str, expected: str) -> None:
    assert mask(rule, value) == expected


@pytest.mark.parametrize("rule", sorted(MASKERS))
def test_blank_and_missing_values_mask_to_empty(rule: str) -> None:
    assert mask(rule, "") == ""
    assert mask(rule, "  ") == ""
    assert mask(rule, None) == ""


def test_unknown_rule_raises_key_error() -> None:
    with pytest.raises(KeyError):
        mask("address", "北京市")


def test_registry_has_the_documented_rules() -> None:
    assert set(MASKERS) == {"name", "phone", "id_number", "plate", "birth_date", "room", "redact"}


mobiles = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)
resident_ids = st.from_regex(r"\d{17}[\dX]", fullmatch=True)
# Any text, including CJK, the middle-dot variants and control characters.
odd_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["·", "··", "()", "-", "欧阳", "京A", "1", "X", "0-", "年", "单元"]
)


@given(rule=st.sampled_from(sorted(MASKERS)), value=odd_text)
def test_never_raises_and_always_hides_something(rule: str, value: str) -> None:
    masked = mask(rule, value)
    assert isinstance(masked, str)
    if value.strip():
        assert "*" in masked
    else:
        assert masked == ""


@given(rule=st.sampled_from(sorted(MASKERS)), value=odd_text)
def test_masked_length_is_bounded(rule: str, value: str) -> None:
    # Never longer than the value plus a fixed star run; never the value itself.
    masked = mask(rule, value)
    assert len(masked) <= len(value) + 10
    if value.strip() and "*" not in value:
        assert masked != value


@given(phone=mobiles)
def test_mobile_middle_digits_never_shown(phone: str) -> None:
    masked = mask("phone", phone)
    assert masked == phone[:3] + "****" + phone[7:]
    assert re.sub(r"\D", "", masked) == phone[:3] + phone[7:]


@given(phone=mobiles, separator=st.sampled_from([" ", "-", ""]), prefix=st.sampled_from(["", "+86", "0086"]))
def test_formatted_mobile_is_masked_like_plain(phone: str, separator: str, prefix: str) -> None:
    formatted = prefix + separator.join((phone[:3], phone[3:7], phone[7:]))
    assert mask("phone", formatted) == mask("phone", phone)


@given(value=odd_text)
def test_phone_shows_at_most_the_rule(value: str) -> None:
    digits_in = re.sub(r"\D", "", value)
    digits_out = re.sub(r"[^0-9]", "", mask("phone", value))
    # At most area code (≤ 4) + last 4, or mobile 3 + 4; nothing at all below 7 digits.
    assert len(digits_out) <= 8
    if len(digits_in) < 7:
        assert digits_out == ""


@given(number=resident_ids)
def test_id_birth_date_and_sequence_never_shown(number: str) -> None:
    masked = mask("id_number", number)
    assert masked == number[:6] + "*" * 10 + number[-2:]


@given(value=odd_text)
def test_id_number_shows_at_most_eight_characters(value: str) -> None:
    assert len(mask("id_number", value).replace("*", "")) <= 8


@given(value=odd_text)
def test_name_never_shows_more_than_it_hides_plus_one(value: str) -> None:
    # 张*明 shows 2 of 3; the rule never shows more than that proportion of a Han name.
    name = "".join(value.split())
    masked = mask("name", value)
    shown = len(masked.replace("*", "").replace("·", ""))
    assert shown <= max(1, len(name) - 1) or masked.endswith("***")
