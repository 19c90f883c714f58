"""The TOTP second factor (RFC 6238, with pyotp): enrolment, codes good once, recovery codes.

Required for the platform operators and for every company's owner (企业主), who
can change anything; optional for everyone else.  An account that must have it
and has not enrolled yet may, after its password, do nothing but enrol
(app/sessions.py enforces it on every request).

* The secret is stored encrypted (``EncryptedString``, app/crypto.py), written
  at the start of enrolment and trusted only once a first code confirms it.
* A code is accepted within one 30-second step either side of the server's
  clock, and only for a step later than the last accepted one: a code seen over
  someone's shoulder cannot be used again.
* Ten recovery codes (80 random bits each) are shown once at enrolment; only
  their SHA-256 is kept (random values this long need no slow hash, as API
  tokens), and each works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.audit import record_audit, register_audit_actions
from app.models.base import utcnow
from app.validation import InputError

ISSUER = "Muzu 沐足"
RECOVERY_CODE_COUNT = 10
# Roles that may change anything in their company: a stolen password must not be enough.
REQUIRED_ROLES = frozenset({"owner"})

register_audit_actions({
    "login.totp_enabled": _l("启用两步验证"),
    "login.totp_disabled": _l("关闭两步验证"),
    "login.totp_failed": _l("两步验证码错误"),
    "login.recovery_code_used": _l("使用恢复码登录"),
    "login.recovery_codes_renewed": _l("重新生成恢复码"),
})


class TotpError(InputError):
    """A wrong or missing code, raised as ``TotpError(field, message)``."""

    def __init__(self, field: str, message: str):
        super().__init__({field: message})


def required_for(user) -> bool:
    """Whether this user must use a second factor (platform operators and owners)."""
    return bool(getattr(user, "is_platform_admin", False)) or \
        getattr(user, "role", None) in REQUIRED_ROLES


def must_enrol(user) -> bool:
    return required_for(user) and not user.has_totp


def begin_enrolment(user) -> str:
    """A new secret for ``user`` (kept until confirmed); the current one if it is
    already waiting for its first code."""
    if user.has_totp:
        raise TotpError("code", "已启用两步验证")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user, company_code: str = "") -> str:
    name = f"{company_code}/{user.username}" if company_code else user.username
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=name, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#212529"))


def confirm_enrolment(user, code: str) -> list[str]:
    """Turn the factor on with a first good code; return the recovery codes (shown once)."""
    if user.has_totp:
        raise TotpError("code", "已启用两步验证")
    if not user.totp_secret:
        raise TotpError("code", "请先开始设置两步验证")
    step = _matching_step(user.totp_secret, code, after=None)
    if step is None:
        raise TotpError("code", "验证码不正确，请核对手机时间后重试")
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    _audit(user, "login.totp_enabled")
    return codes


def verify(user, code: str) -> bool:
    """A current code (once) or an unused recovery code of ``user``."""
    if not user.has_totp:
        return False
    code = (code or "").strip().replace(" ", "")
    if code.isdigit():
        step = _matching_step(user.totp_secret, code, after=user.totp_last_step)
        if step is None:
            return False
        user.totp_last_step = step
        return True
    digest = _hash_recovery(code)
    remaining = list(user.totp_recovery_hashes or [])
    if not any(hmac.compare_digest(digest, known) for known in remaining):
        return False
    remaining.remove(digest)
    user.totp_recovery_hashes = remaining  # a new list: JSON columns track assignment
    _audit(user, "login.recovery_code_used", after={"remaining": len(remaining)})
    return True


def renew_recovery_codes(user, code: str) -> list[str]:
    if not verify(user, code):
        raise TotpError("code", "验证码不正确")
    codes = _new_recovery_codes(user)
    _audit(user, "login.recovery_codes_renewed")
    return codes


def disable(user, code: str) -> None:
    """Turn the factor off (only where it is optional), proven with a code."""
    if required_for(user):
        raise TotpError("code", "您的角色必须使用两步验证")
    if not verify(user, code):
        raise TotpError("code", "验证码不正确")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.totp_recovery_hashes = None
    _audit(user, "login.totp_disabled")


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user) -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    user.totp_recovery_hashes = [_hash_recovery(code) for code in codes]
    return codes


def _hash_recovery(code: str) -> str:
    normal = (code or "").strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"muzu-recovery:{normal}".encode()).hexdigest()


def _audit(user, action: str, after: dict | None = None) -> None:
    # Operators belong to no company: their factor's events are not in a company's log.
    if getattr(user, "is_platform_admin", False):
        return
    record_audit(action, "account", user.id, after=after, actor=user,
                 tenant_id=user.tenant_id)
