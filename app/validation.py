"""One shape for bad input, from services to forms and the API.

A service raises :class:`InputError` (or a department's subclass) with
``fields``: field name -> message in the user's language.  A view shows it on
its form with :func:`show_on_form`; an API resource lets it propagate: the
handler in ``app/errors.py`` rolls back and answers 422 naming each field.
Nothing was changed when it is raised.
"""

from __future__ import annotations

from flask import flash


class InputError(ValueError):
    """Bad input for a service; ``fields`` maps each field to its message.

    ``details`` (JSON-safe, empty by default) says more than a message can, e.g.
    ``passed_over``: each therapist a dispatch could not use and why; the API
    sends each key beside ``fields`` in its error.
    """

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in fields.items()))
        self.fields = dict(fields)
        self.details: dict = {}

    @classmethod
    def on(cls, field: str, message: str) -> InputError:
        """The error of a single field."""
        return cls({field: message})

    @property
    def field(self) -> str:
        return next(iter(self.fields))

    @property
    def message(self) -> str:
        return str(next(iter(self.fields.values())))


def show_on_form(form, fields: dict[str, str]) -> None:
    """Put each message under its form field; one with no field becomes a flash."""
    for name, message in fields.items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, message]
        else:
            flash(message, "danger")
