"""薪资设置 pages (payroll.settings): therapist levels, pay profiles, the payroll policy."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import bp, pay_settings, services
from app.blueprints.hr.forms import LevelForm, PayProfileForm, PayrollPolicyForm
from app.extensions import db
from app.models import PayProfile, TherapistLevel
from app.permissions import permission_required
from app.validation import show_on_form


def _status(form) -> int:
    return 422 if any(f.errors for f in form) else 200


@bp.route("/pay")
@permission_required("payroll.settings")
def pay_settings_index():
    """Levels, profiles and the policy on one page."""
    return render_template(
        "hr/pay_settings.html", levels=pay_settings.levels(), profiles=pay_settings.profiles(),
        position_names={p.id: p.name for p in services.positions()},
        policy=pay_settings.current_policy(), policy_keys=pay_settings.POLICY_KEYS,
        policy_labels=pay_settings.POLICY_LABELS, stored=pay_settings.stored_policy())


def _level_page(form, level):
    return render_template("hr/pay_level_form.html", form=form, level=level), _status(form)


@bp.route("/pay/levels/new", methods=["GET", "POST"])
@permission_required("payroll.settings")
def pay_level_new():
    form = LevelForm()
    if form.validate_on_submit():
        try:
            level = pay_settings.create_level(
                actor=current_user, name=form.name.data,
                commission_multiplier=form.commission_multiplier.data, rank=form.rank.data,
                assessment_threshold=form.assessment_threshold.data,
                is_active=form.is_active.data)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已新建技师等级 %(name)s", name=level.name), "success")
            return redirect(url_for("hr.pay_settings_index"))
    return _level_page(form, None)


@bp.route("/pay/levels/<int:therapist_level_id>/edit", methods=["GET", "POST"])
@permission_required("payroll.settings")
def pay_level_edit(therapist_level_id: int):
    level = services.get_by_id(TherapistLevel, therapist_level_id)
    form = LevelForm(obj=level)
    if form.validate_on_submit():
        try:
            pay_settings.update_level(
                level, actor=current_user, name=form.name.data,
                commission_multiplier=form.commission_multiplier.data, rank=form.rank.data,
                assessment_threshold=form.assessment_threshold.data,
                is_active=form.is_active.data)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("hr.pay_settings_index"))
    return _level_page(form, level)


def _profile_values(form: PayProfileForm) -> dict:
    return {name: getattr(form, name).data for name in pay_settings.PROFILE_FIELDS}


def _profile_page(form, profile):
    return render_template("hr/pay_profile_form.html", form=form,
                           profile=profile), _status(form)


@bp.route("/pay/profiles/new", methods=["GET", "POST"])
@permission_required("payroll.settings")
def pay_profile_new():
    form = PayProfileForm(positions=services.positions())
    if form.validate_on_submit():
        try:
            profile = pay_settings.create_profile(actor=current_user, **_profile_values(form))
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已新建薪资方案 %(name)s", name=profile.name), "success")
            return redirect(url_for("hr.pay_settings_index"))
    return _profile_page(form, None)


@bp.route("/pay/profiles/<int:pay_profile_id>/edit", methods=["GET", "POST"])
@permission_required("payroll.settings")
def pay_profile_edit(pay_profile_id: int):
    profile = services.get_by_id(PayProfile, pay_profile_id)
    form = PayProfileForm(obj=profile, positions=services.positions())
    if form.validate_on_submit():
        try:
            pay_settings.update_profile(profile, actor=current_user, **_profile_values(form))
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("hr.pay_settings_index"))
    return _profile_page(form, profile)


@bp.route("/pay/policy", methods=["GET", "POST"])
@permission_required("payroll.settings")
def pay_policy():
    """工资参数: every key of the tenant's PayrollPolicy (defaults where not set)."""
    policy = pay_settings.current_policy()
    form = PayrollPolicyForm(data={
        key: "" if getattr(policy, key) is None else str(getattr(policy, key))
        for key in pay_settings.POLICY_KEYS})
    if form.validate_on_submit():
        try:
            pay_settings.save_policy(
                {key: getattr(form, key).data for key in pay_settings.POLICY_KEYS},
                actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("工资参数已保存，之后计算的工资按新参数"), "success")
            return redirect(url_for("hr.pay_settings_index"))
    return render_template("hr/pay_policy.html", form=form,
                           keys=pay_settings.POLICY_KEYS), _status(form)
