"""Reading a text field of a logistics form or API body (purchases, repair tickets)."""

from __future__ import annotations

from flask_babel import gettext as _


def clean_text(values: dict, name: str, errors: dict, limit: int, *,
               required: bool = False) -> str:
    """The stripped text of ``values[name]``; a problem goes into ``errors[name]``."""
    value = values.get(name)
    value = "" if value is None else value
    if not isinstance(value, str):
        errors[name] = _("格式不正确")
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = _("必填")
    elif len(value) > limit:
        errors[name] = _("不能超过 %(n)d 个字符", n=limit)
    return value
