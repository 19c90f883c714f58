"""Web sessions: how they start, when they end, and each company's idle limit.

How a session ends on the server
--------------------------------
The session cookie names the account *and* its ``session_version`` (the user
loader in app/blueprints/auth/services.py refuses a cookie whose version is not
the account's).  Log-out, a password change or reset, disabling the login and a
role change bump the version, so every cookie issued before — including one
copied off the machine — is dead at its next request.  The price of keeping no
session table: log-out ends the person's sessions on every device (a desk
computer and a phone alike), which is also what someone who suspects a copied
cookie wants.  Platform operators work the same way.

Timeouts
--------
The signed cookie carries when the person logged in and when they were last
seen (refreshed at most once a minute).  A session idle longer than the
company's ``session_idle_minutes`` (tenant.policies["security"], default 8 hours
for desk devices; operators: ``PLATFORM_SESSION_IDLE_MINUTES``) or older than
``SESSION_ABSOLUTE_HOURS`` (the deployment's, 7 days) is over: the person logs
in again.  A copy of an old cookie carries the old times and is refused as well.

Second factor
-------------
An account that must use TOTP (app/totp.py) and has not enrolled may only open
the enrolment page and log out until it has.
"""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from app.audit import record_audit, register_audit_actions
from app.extensions import db
from app.login_guard import record_success
from app.models import Tenant
from app.totp import must_enrol
from app.validation import InputError

AUTH_AT = "_auth_at"
SEEN_AT = "_seen_at"
TOUCH_EVERY_SECONDS = 60
IDLE_MINUTES_RANGE = (5, 24 * 60)
# What a person who must enrol a second factor may still open.
ENROLMENT_ENDPOINTS = frozenset({"auth.totp_setup", "auth.logout", "platform.totp_setup",
                                 "platform.logout", "static", "main.set_language"})
API_ENROLMENT_ENDPOINTS = frozenset({"api_auth.start_totp", "api_auth.confirm_totp",
                                     "api_auth.me"})

register_audit_actions({
    "session.logout_all": _l("退出登录（结束全部会话）"),
    "security.settings_update": _l("修改登录安全设置"),
})


def log_in(user) -> None:
    """Start a clean session for ``user`` (no fixation), keeping the chosen language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now


PENDING = "_pending_second_factor"
PENDING_SECONDS = 300


def after_password(user, guard_key: str, next_url: str, setup_endpoint: str):
    """The password was right: log in, or first ask for the second factor.

    Returns the redirect to follow.  With TOTP on, the session only remembers who
    is half-way (for ``PENDING_SECONDS``); nobody is logged in before the code.
    """
    if user.has_totp:
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        session[PENDING] = {"user": user.get_id(), "key": guard_key,
                            "at": int(time.time()), "next": next_url}
        return redirect(url_for("auth.login_code"))
    record_success(guard_key, request.remote_addr or "")
    log_in(user)
    if must_enrol(user):
        return redirect(url_for(setup_endpoint))
    return redirect(next_url)


def pending_second_factor() -> dict | None:
    """Who passed the password step and waits to give a code, if still in time."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending


def log_out(user) -> None:
    """End this session and every other session of ``user`` on the server."""
    end_all_sessions(user)
    if not getattr(user, "is_platform_admin", False):
        record_audit("session.logout_all", "account", user.id, actor=user)
    db.session.commit()
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def end_all_sessions(user) -> None:
    user.session_version = (user.session_version or 0) + 1


def idle_minutes(user) -> int:
    if getattr(user, "is_platform_admin", False):
        return current_app.config["PLATFORM_SESSION_IDLE_MINUTES"]
    tenant = db.session.get(Tenant, user.tenant_id)
    return security_settings(tenant)["session_idle_minutes"]


def expired(user, now: float | None = None) -> str | None:
    """``"idle"`` or ``"absolute"`` when the current session is over, else None."""
    now = time.time() if now is None else now
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return "absolute"  # a session from before these limits: log in again
    if now - auth_at > current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600:
        return "absolute"
    idle_for = now - seen_at
    # The company's limit is read only once the session has been idle a minute (every
    # limit is longer than that): no query on the requests of someone at work.
    if idle_for >= TOUCH_EVERY_SECONDS and idle_for > idle_minutes(user) * 60:
        return "idle"
    return None


def enforce():
    """Before every web request: end an expired session; keep an un-enrolled owner
    on the enrolment page.  The API authenticates by token and is not concerned."""
    if request.endpoint == "static" or (request.blueprint or "").startswith("api"):
        return None
    if not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    reason = expired(user)
    if reason is not None:
        logout_user()
        session.clear()
        flash(_("登录已超时，请重新登录") if reason == "idle"
              else _("登录已过期，请重新登录"), "warning")
        login = "platform.login" if getattr(user, "is_platform_admin", False) else "auth.login"
        return redirect(url_for(login))
    now = int(time.time())
    if now - session[SEEN_AT] >= TOUCH_EVERY_SECONDS:
        session[SEEN_AT] = now
    if must_enrol(user) and request.endpoint not in ENROLMENT_ENDPOINTS:
        setup = "platform.totp_setup" if getattr(user, "is_platform_admin", False) \
            else "auth.totp_setup"
        return redirect(url_for(setup))
    return None


# --------------------------------------------------------------------------- the company's setting


class SecurityError(InputError):
    """Bad security settings; ``fields`` maps each field to its message."""


def security_settings(tenant: Tenant | None) -> dict:
    stored = dict((tenant.policies or {}).get("security", {}) or {}) if tenant else {}
    minutes = stored.get("session_idle_minutes")
    if not isinstance(minutes, int):
        minutes = current_app.config["SESSION_IDLE_MINUTES_DEFAULT"]
    return {"session_idle_minutes": minutes,
            "session_absolute_hours": current_app.config["SESSION_ABSOLUTE_HOURS"]}


def save_security_settings(tenant: Tenant, values: dict, actor=None) -> dict:
    """Validate and store the company's idle limit (minutes); audit the change."""
    unknown = set(values) - {"session_idle_minutes"}
    if unknown:
        raise SecurityError({key: "没有这个参数" for key in sorted(unknown)})
    raw = values.get("session_idle_minutes")
    low, high = IDLE_MINUTES_RANGE
    try:
        minutes = int(str(raw).strip()) if not isinstance(raw, (bool, float)) else None
    except ValueError:
        minutes = None
    if minutes is None or not low <= minutes <= high:
        raise SecurityError({"session_idle_minutes": f"请填写 {low}–{high} 之间的整数（分钟）"})
    before = security_settings(tenant)["session_idle_minutes"]
    if minutes != before:
        policies = dict(tenant.policies or {})
        policies["security"] = {**dict(policies.get("security") or {}),
                                "session_idle_minutes": minutes}
        tenant.policies = policies  # a new dict: JSON columns track assignment only
        record_audit("security.settings_update", "tenant", tenant.id,
                     before={"session_idle_minutes": before},
                     after={"session_idle_minutes": minutes}, actor=actor)
    return security_settings(tenant)
