"""Friendly 403/404/500 pages; JSON errors on the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, fields
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException

from app.extensions import db
from app.validation import InputError


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "machine-readable: not_found, unprocessable_entity, unauthorized …"})
    message = fields.String(required=True, metadata={"description": "for a person"})
    fields_ = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.Raw(), required=True,
        metadata={"description": "field name -> list of messages (nested for nested input)"})
    passed_over = fields.List(fields.Dict(), metadata={
        "description": "派钟 refused (422): each therapist who could not take the line and "
                       "why: {employee_id, number, name, reason_code, reason}; reason_code "
                       "is busy, away, suspended, held, health_certificate_expired, "
                       "not_qualified, wrong_gender, returned (已被客人退钟) or not_on_board"})


class ErrorEnvelopeSchema(Schema):
    """Every API error: ``{"error": {"code", "message", "fields"}}`` (the OpenAPI
    document's ``Error``, so the documented and the sent error agree)."""

    error = fields.Nested(ErrorDetailSchema, required=True)


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if _wants_json():
            return _json_error(400, "csrf_failed", "CSRF token missing or invalid")
        return render_template("errors/400_csrf.html", error=error), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            data = getattr(error, "data", None) or {}
            return _json_error(
                error.code or 500,
                _code_name(error),
                data.get("message") or error.description or "",
                _flatten_field_errors(data.get("errors") or data.get("messages")),
            )
        template = {403: "errors/403.html", 404: "errors/404.html", 429: "errors/429.html"}.get(
            error.code, "errors/generic.html")
        return render_template(template, error=error), error.code

    @app.errorhandler(InputError)
    def input_error(error: InputError):
        """A service refused the API caller's input: 422 naming each field, nothing
        changed (the one place for what each resource used to catch itself).  Pages
        show an InputError on their form; one that escapes a page is a bug: 500."""
        if not _wants_json():
            return unexpected_error(error)
        db.session.rollback()
        return _json_error(422, "unprocessable_entity", error.message,
                           {name: [str(message)] for name, message in error.fields.items()},
                           details=getattr(error, "details", None))

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def out_of_range(error: Exception):
        """The last net under app/inputs.py: a value the database refuses (a number
        beyond its column) or a date whose arithmetic leaves the calendar is the
        caller's input, so a 400, never a 500.  Logged: a field should have caught it."""
        db.session.rollback()
        app.logger.warning("input out of range on %s: %s", request.path, error)
        if _wants_json():
            return _json_error(400, "bad_request", "A value is out of range")
        return render_template("errors/generic.html", error=BadRequest(
            _("输入的数值或日期超出范围，请检查后重试"))), 400

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            return _json_error(500, "internal_error", "Internal server error")
        return render_template("errors/500.html"), 500


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _code_name(error: HTTPException) -> str:
    return (error.name or "error").lower().replace(" ", "_")


def _flatten_field_errors(errors) -> dict:
    """webargs groups messages by location ({"json": {"field": [...]}}); callers want fields."""
    if not isinstance(errors, dict):
        return {}
    fields: dict = {}
    for location, messages in errors.items():
        if location in ("json", "query", "form", "headers", "files", "path") and isinstance(
                messages, dict):
            fields.update(messages)
        else:
            fields[location] = messages
    return fields


def _json_error(status: int, code: str, message: str, fields: dict | None = None,
                details: dict | None = None):
    body = {**(details or {}), "code": code, "message": message, "fields": fields or {}}
    response = jsonify({"error": body})
    response.status_code = status
    return response
