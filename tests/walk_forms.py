"""The forms of the app's pages, read from the HTML a user gets.

The isolation walk fills every id field of every form (a ``<select>`` of
rooms, a hidden ``order_id``, a filter's ``store_id`` ...) with another
tenant's object: the forms are found by opening the pages, so a new form is
walked the moment a page shows it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.walk_openapi import is_id_field

DATE = "2026-11-03"
_serial = itertools.count(1)


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values sent
    id_fields: list[str] = field(default_factory=list)

    def data(self, field_name: str | None = None, value=None) -> dict:
        """The form as the page fills it, with ``value`` in ``field_name``."""
        data = {name: list(values) for name, values in self.fields.items()}
        for name, values in data.items():
            data[name] = [_fresh(v) for v in values]
        if field_name is not None:
            data[field_name] = [str(value)]
        return data


def _fresh(value: str) -> str:
    if value == "TEXT":
        return f"走查{next(_serial)}"
    if value == "PHONE":
        return f"139{next(_serial):08d}"
    return value


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self._form, self._select = page, [], None, None
        self._options: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = Form(self.page, urlsplit(action)._replace(
                scheme="", netloc="", query="").geturl(), (a.get("method") or "get").upper())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in form.fields):
                    form.fields.setdefault(name, []).append(a.get("value", "y"))
                return
            # An empty id stays empty: the walk sends well-formed ids or none.
            empty = "" if is_id_field(name) else _default(kind, name)
            form.fields[name] = [a.get("value") or empty]
            self._note_id(name)
        elif tag == "textarea" and name:
            form.fields[name] = ["TEXT"]
        elif tag == "select" and name:
            self._select, self._options = name, []
            form.fields[name] = []
            self._note_id(name)
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._options.append(value)
            values = form.fields[self._select]
            if "selected" in a:
                values[:] = [value]
            elif not values and value:
                values.append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            # A filter named "store" whose options are store ids is an id field too
            # (POST forms name theirs *_id; their 0/1 selects are not ids).
            numbers = [v for v in self._options if v]
            if self._form is not None and self._form.method == "GET" and numbers \
                    and all(v.isdigit() for v in numbers):
                self._note_id(self._select, numeric=True)
            self._select = None

    def _note_id(self, name, numeric=False):
        if (numeric or is_id_field(name)) and name not in self._form.id_fields:
            self._form.id_fields.append(name)


def _default(kind: str, name: str) -> str:
    if kind == "date":
        return DATE
    if kind in ("number", "range"):
        return "1"
    if kind == "tel" or "phone" in name:
        return "PHONE"
    if kind == "time":
        return "10:00"
    if kind == "month":
        return DATE[:7]
    if kind == "password":
        return "walk-password-123"
    return "TEXT"


def page_forms(html: str, page: str) -> list[Form]:
    """The page's forms, POST (actions) and GET (filters)."""
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms
