"""The edge of every request: what no field of Muzu may hold, refused before any view runs.

PostgreSQL refuses NUL in text and ``integer`` stops at 2³¹−1; UTF-8 cannot encode a
lone surrogate (``"\\ud800"`` is valid JSON); Python's JSON parser recurses, so a
body nested 100,000 deep raised RecursionError.  Each of these was a 500.  Checked
once here for the query string, the form and the JSON body of every request, so no
view can forget: the API answers 422 naming the field (400 for JSON it cannot
read), a page answers 400.  Ids beyond ``integer`` in a URL match no route (404).
The bounds of the API's typed fields (integers, money, dates) are set where its
arguments are parsed (``app/blueprints/api/common.py``), with the limits below.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, Request, abort, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, UnprocessableEntity
from werkzeug.routing import IntegerConverter

# PostgreSQL ``integer``: every id, count and page of the schema.
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
# ``Numeric(12, 2)``, the widest money column.
MONEY_MAX = Decimal("9999999999.99")
# The dates a foot-spa chain's records can carry; arithmetic on them (the next day,
# a timezone shift) stays far from Python's year 1 and 9999.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)

NUL_MESSAGE = _l("不能包含空字符（NUL）")
ENCODING_MESSAGE = _l("包含无法识别的字符")
NESTING_MESSAGE = "JSON nested too deep"


class PgIntegerConverter(IntegerConverter):
    """``<int:...>`` bounded to PostgreSQL's ``integer``: a larger id names nothing (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def pg_int(value) -> int:
    """``int(value)`` within PostgreSQL's ``integer``; ValueError otherwise."""
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(f"{number} is out of range")
    return number


class BoundedMultiDict(ImmutableMultiDict):
    """Query and form values where ``get(name, type=int)`` treats a number beyond
    ``integer`` like any other non-number: the default (pages read ids this way)."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        return super().get(key, default, pg_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002 - werkzeug's signature
        return super().getlist(key, pg_int if type is int else type)


class GuardedRequest(Request):
    parameter_storage_class = BoundedMultiDict


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON; a body nested too deep for the parser is bad JSON (400), not a
    RecursionError (500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(NESTING_MESSAGE) from None


def init_app(app: Flask) -> None:
    """Bound ``<int:>`` in URLs and guard JSON parsing (``check_request_text`` is
    registered by ``app/web.py``, after authentication and the path's objects)."""
    # Before any blueprint adds its rules: a rule binds its converter when added.
    app.url_map.converters["int"] = PgIntegerConverter
    app.json = GuardedJSONProvider(app)
    app.request_class = GuardedRequest


def check_request_text() -> None:
    """Refuse NUL bytes, unencodable text and over-deep JSON anywhere in the request."""
    if request.endpoint == "static":
        return
    problems: dict[str, str] = {}
    for location in (request.args, request.form if request.mimetype != "application/json"
                     else {}):
        for name in location:
            for value in location.getlist(name):
                message = text_problem(value) or text_problem(name)
                if message:
                    problems.setdefault(_printable(name), message)
    if request.is_json and request.content_length != 0 and request.get_data(cache=True):
        try:
            body = request.get_json()
        except BadRequest:
            _refuse_unreadable_json()
        else:
            problems.update(_json_problems(body))
    if problems:
        _refuse(problems)


def text_problem(value) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return str(NUL_MESSAGE)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return str(ENCODING_MESSAGE)
    return None


def _json_problems(body) -> dict[str, str]:
    """``{field: message}`` for each bad string in a JSON body (dotted paths when nested);
    iterative, so a deep body cannot exhaust the stack here either."""
    problems: dict[str, str] = {}
    stack = [("", body)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                inner = f"{where}.{key}" if where else str(key)
                message = text_problem(key)
                if message:
                    problems.setdefault(_printable(inner), message)
                stack.append((inner, item))
        elif isinstance(value, list):
            stack.extend((f"{where}.{index}" if where else str(index), item)
                         for index, item in enumerate(value))
        else:
            message = text_problem(value)
            if message:
                problems.setdefault(_printable(where or "_body"), message)
    return problems


def _printable(name: str) -> str:
    """A field name safe to echo back in the error (it may hold the bad character)."""
    return name.replace("\x00", "\\0").encode("utf-8", "backslashreplace").decode("utf-8")


def _refuse(problems: dict[str, str]) -> None:
    if not _is_api():
        abort(400, description=str(_l("提交的内容包含无法保存的字符（如空字符），请检查后重试")))
    error = UnprocessableEntity()
    first = next(iter(problems.values()))
    error.data = {"message": first, "errors": {name: [m] for name, m in problems.items()}}
    raise error


def _refuse_unreadable_json() -> None:
    raise BadRequest("The request body is not valid JSON (or is nested too deep).")


def _is_api() -> bool:
    return request.path.startswith("/api/")


def parse_month(value: str | None) -> date | None:
    """``YYYY-MM`` -> the first day of that month; None when malformed or outside
    ``DATE_MIN``..``DATE_MAX`` (9999-12 parses, but its month's end does not exist)."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return None
    return first if in_date_range(first) else None


def in_date_range(value: date | datetime) -> bool:
    """Within ``DATE_MIN``..``DATE_MAX`` (an aware datetime by its own calendar date)."""
    day = value.date() if isinstance(value, datetime) else value
    return DATE_MIN <= day <= DATE_MAX
