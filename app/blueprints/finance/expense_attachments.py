"""Receipts and invoices (票据) of an expense claim: photos or PDF kept in the database.

The type is read from the file's first bytes, never from the name or the browser's
``Content-Type`` (a renamed HTML page must not be served back as an image); at most
5 MB each and 5 per claim; the submitter adds them while the claim waits.
"""

from __future__ import annotations

import posixpath

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import record_audit
from app.blueprints.finance.expenses import KIND, PENDING, ExpenseError
from app.blueprints.finance.models import ExpenseAttachment, ExpenseClaim
from app.extensions import db

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_CLAIM = 5
ACCEPTED = ("image/jpeg", "image/png", "image/webp", "application/pdf")
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
              "application/pdf": ".pdf"}


def sniff_content_type(data: bytes) -> str | None:
    """The type the bytes say they are (JPEG, PNG, WebP, PDF), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    """The name shown and offered on download: no path, no control characters, and the
    extension of what the file really is."""
    base = posixpath.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>;')
    stem = base.rsplit(".", 1)[0].strip() or _("票据")
    return stem[:100] + EXTENSIONS[content_type]


def add_attachment(claim: ExpenseClaim, actor, filename: str | None, data: bytes
                   ) -> ExpenseAttachment:
    """Attach one receipt; ExpenseError on ``file`` (type, size, count) or ``status``."""
    if actor.id != claim.requested_by_account_id:
        raise ExpenseError.on("status", _("只有提交人可以上传票据"))
    if claim.status not in PENDING:
        raise ExpenseError.on("status", _("费用已处理，不能再上传票据"))
    if not data:
        raise ExpenseError.on("file", _("请选择文件"))
    if len(data) > MAX_BYTES:
        raise ExpenseError.on("file", _("文件不能超过 5 MB"))
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ExpenseError.on("file", _("只能上传 JPG、PNG、WebP 图片或 PDF"))
    count = db.session.scalar(select(func.count(ExpenseAttachment.id)).where(
        ExpenseAttachment.expense_id == claim.id))
    if count >= MAX_PER_CLAIM:
        raise ExpenseError.on("file", _("每笔费用最多 %(n)d 个附件", n=MAX_PER_CLAIM))
    attachment = ExpenseAttachment(expense_id=claim.id,
                                   filename=clean_filename(filename, content_type),
                                   content_type=content_type, size=len(data), data=data,
                                   uploaded_by_account_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    record_audit("expense.attach", KIND, claim.id,
                 after={"filename": attachment.filename, "size": attachment.size},
                 actor=actor)
    return attachment


def attachment_of(claim: ExpenseClaim, attachment_id: int) -> ExpenseAttachment | None:
    """The claim's attachment with that id (None when it belongs to another claim)."""
    attachment = db.session.get(ExpenseAttachment, attachment_id)
    if attachment is None or attachment.expense_id != claim.id or (
            attachment.tenant_id != claim.tenant_id):
        return None
    return attachment


def send_attachment(attachment: ExpenseAttachment):
    """The stored bytes with their stored type; never sniffed again by the browser."""
    from io import BytesIO

    from flask import send_file

    response = send_file(BytesIO(attachment.data), mimetype=attachment.content_type,
                         download_name=attachment.filename, as_attachment=False,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # A PDF opened in the tab runs no script of ours and reaches nothing of the app.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; " \
        "style-src 'unsafe-inline'; sandbox"
    return response
