"""入职 / 离职清单模板 pages: the templates and their items (employee.manage)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.blueprints.hr import bp, checklists, services
from app.blueprints.hr.forms_lifecycle import (
    ReasonForm,
    TemplateForm,
    TemplateItemForm,
)
from app.blueprints.hr.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
)
from app.blueprints.hr.views_lifecycle import get_or_404, lifecycle_labels
from app.extensions import db
from app.models import Position
from app.permissions import permission_required
from app.validation import show_on_form


def _template_form(**kwargs) -> TemplateForm:
    return TemplateForm(positions=services.positions(), **kwargs)


@bp.route("/checklist-templates", methods=["GET", "POST"])
@permission_required("employee.manage")
def checklist_templates():
    """入离职清单模板: per position, tenant-editable; new template form."""
    form = _template_form()
    if form.validate_on_submit():
        try:
            template = checklists.create_template(
                kind=form.kind.data, name=form.name.data, position_id=form.position_id.data,
                account_at=form.account_at.data, probation_months=form.probation_months.data,
                is_active=form.is_active.data)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已新建模板，请添加事项"), "success")
            return redirect(url_for("hr.checklist_template", template_id=template.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("hr/lifecycle/templates.html", templates=checklists.list_templates(),
                           form=form, **lifecycle_labels(), kind_labels=checklists.KIND_LABELS,
                           account_at_labels=checklists.ACCOUNT_AT_LABELS), status


def _item_values(form: TemplateItemForm) -> dict:
    return dict(title=form.title.data, owner_department=form.owner_department.data,
                action=form.action.data, due_days=form.due_days.data,
                required=form.required.data, detail=form.detail.data or "")


def _render_template_page(template: ChecklistTemplate, form=None, item_form=None,
                          status: int = 200):
    items = checklists.template_items(template.id)
    form = form or _template_form(formdata=None, obj=template)
    item_form = item_form or TemplateItemForm(formdata=None, kind=template.kind)
    item_forms = {item.id: TemplateItemForm(formdata=None, obj=item, kind=template.kind,
                                            prefix=f"i{item.id}") for item in items}
    position = services.get_by_id(Position, template.position_id)
    return render_template("hr/lifecycle/template.html", template=template, items=items,
                           form=form, item_form=item_form, item_forms=item_forms,
                           position=position, kind_labels=checklists.KIND_LABELS,
                           **lifecycle_labels()), status


@bp.route("/checklist-templates/<int:template_id>", methods=["GET", "POST"])
@permission_required("employee.manage")
def checklist_template(template_id: int):
    """Edit a template: name, position, when the login is made, probation; its items."""
    template = get_or_404(ChecklistTemplate, template_id)
    if request.method == "GET":
        return _render_template_page(template)
    form = _template_form()
    form.kind.data = template.kind  # the kind of a template never changes
    if form.validate_on_submit():
        try:
            checklists.update_template(
                template, name=form.name.data, position_id=form.position_id.data,
                account_at=form.account_at.data, probation_months=form.probation_months.data,
                is_active=form.is_active.data)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            template = get_or_404(ChecklistTemplate, template_id)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("hr.checklist_template", template_id=template_id))
    return _render_template_page(template, form=form, status=422)


@bp.route("/checklist-templates/<int:template_id>/items", methods=["POST"])
@permission_required("employee.manage")
def checklist_template_item_add(template_id: int):
    template = get_or_404(ChecklistTemplate, template_id)
    form = TemplateItemForm(kind=template.kind)
    if form.validate_on_submit():
        try:
            checklists.add_template_item(template, **_item_values(form),
                                         sort_order=form.sort_order.data)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            template = get_or_404(ChecklistTemplate, template_id)
        else:
            db.session.commit()
            flash(_("已添加事项"), "success")
            return redirect(url_for("hr.checklist_template", template_id=template_id))
    return _render_template_page(template, item_form=form, status=422)


@bp.route("/checklist-template-items/<int:template_item_id>", methods=["POST"])
@permission_required("employee.manage")
def checklist_template_item_edit(template_item_id: int):
    item = get_or_404(ChecklistTemplateItem, template_item_id)
    template = get_or_404(ChecklistTemplate, item.template_id)
    form = TemplateItemForm(kind=template.kind, prefix=f"i{item.id}")
    if form.validate_on_submit():
        try:
            checklists.update_template_item(item, **_item_values(form),
                                            sort_order=form.sort_order.data or 0)
        except services.HrError as exc:
            db.session.rollback()
            for message in exc.fields.values():
                flash(message, "danger")
        else:
            db.session.commit()
            flash(_("已保存"), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("hr.checklist_template", template_id=template.id))


@bp.route("/checklist-template-items/<int:template_item_id>/delete", methods=["POST"])
@permission_required("employee.manage")
def checklist_template_item_delete(template_item_id: int):
    item = get_or_404(ChecklistTemplateItem, template_item_id)
    template_id = item.template_id
    if ReasonForm().validate_on_submit():
        checklists.delete_template_item(item)
        db.session.commit()
        flash(_("已删除事项（已开始的清单不受影响）"), "success")
    return redirect(url_for("hr.checklist_template", template_id=template_id))
