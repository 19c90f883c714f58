"""Checks of the employee file's numbers: ID card, bank account, phone, money.

Each returns the cleaned value or raises ``ValueError`` with a Chinese message
that never repeats the value (it may be a sensitive number and messages reach
logs and JSON).

ID card (居民身份证号码, GB 11643-1999): 17 digits + a check character, the ISO
7064 MOD 11-2 check digit (``X`` stands for 10).  No maintained library for it
is installed (python-stdnum would do it, but is not a dependency of Muzu and
the rule is ten lines), so it is written here, with the birth date embedded in
positions 7–14 checked to be a real date as well.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

# Weights 2^(17-i) mod 11 of the 17 digits, and the check character by remainder.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
MONEY_MAX = Decimal("9999999999.99")


def id_card_check_char(first17: str) -> str:
    """The check character (0-9 or X) of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def clean_id_card(value: str | None) -> str:
    """``""`` (not on file) or a valid 18-character ID number, ``x`` upper-cased."""
    text = re.sub(r"\s", "", value or "").upper()
    if not text:
        return ""
    if len(text) != 18:
        raise ValueError(_("身份证号应为 18 位"))
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValueError(_("身份证号前 17 位应为数字，最后一位为数字或 X"))
    if id_card_check_char(text[:17]) != text[17]:
        raise ValueError(_("身份证号校验位不正确，请核对"))
    if id_card_birth_date(text) is None:
        raise ValueError(_("身份证号中的出生日期不正确"))
    return text


def id_card_birth_date(number: str) -> date | None:
    """The birth date in positions 7–14 of an 18-character ID number, or None."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if born.year >= 1900 else None


def clean_bank_account(value: str | None) -> str:
    """``""`` or 12–19 digits (spaces and dashes as printed on the card are dropped)."""
    text = re.sub(r"[\s-]", "", value or "")
    if not text:
        return ""
    if not text.isdigit() or not 12 <= len(text) <= 19:
        raise ValueError(_("银行卡号应为 12–19 位数字"))
    return text


def clean_phone(value: str | None) -> str:
    """``""``, a mobile number (11 digits from 13–19) or a landline with area code.

    Spaces and dashes are dropped; a leading +86 / 0086 is accepted and removed.
    """
    text = re.sub(r"[\s-]", "", value or "")
    if not text:
        return ""
    text = re.sub(r"^(\+86|0086)", "", text)
    if not (_MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text)):
        raise ValueError(_("请填写正确的手机号（11 位）或带区号的固定电话"))
    return text


def clean_money(value, *, allow_none: bool = True, allow_negative: bool = False) -> Decimal | None:
    """A money amount as Decimal with two places; never from a float's binary value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_none:
            return None
        raise ValueError(_("请填写金额"))
    if isinstance(value, bool):
        raise ValueError(_("金额格式不正确"))
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(_("金额格式不正确")) from None
    if not amount.is_finite():
        raise ValueError(_("金额格式不正确"))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("金额最多两位小数"))
    if amount < 0 and not allow_negative:
        raise ValueError(_("金额不能为负数"))
    if abs(amount) > MONEY_MAX:
        raise ValueError(_("金额过大"))
    return amount.quantize(Decimal("0.01"))
