"""The Chinese words of the procedures' and evaluations' stored codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

VERSION_STATUS_LABELS = {
    "draft": _l("草稿"),
    "published": _l("现行"),
    "archived": _l("已归档"),
}


def version_status_label(status: str) -> str:
    return str(VERSION_STATUS_LABELS.get(status, status))
