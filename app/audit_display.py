"""The audit log as a person reads it: each entry's object by name, its change as a list.

An entry stores its before/after state as JSON with code keys and ids (``{"role":
"cashier", "store_ids": [3]}``, object ``account 20``).  The audit page shows instead
"角色：收银员 → 店长" and "账号 张三（A007 · zhangsan）":

* **Fields** are labelled from FIELD_LABELS; a department adds its own with
  ``register_audit_fields``, and the words of the codes it stores with
  ``register_audit_values``.  An unknown key is shown as it is (better than hiding it).
* **Values**: ids of the core objects (``store_id``, ``employee_id``, ``position_id`` …,
  lists of them too) become names; roles, statuses and other codes their labels;
  booleans 是/否; empty values "—"; a nested dict "label：value" pairs.
* **Which lines**: with both states, the keys whose value changed (all of them when
  nothing did, e.g. an approval that stores the same snapshot twice); with one state,
  each of its keys (what was created, or what was removed).
* **Objects**: the core kinds (employee, account, store, room, position, level, pay
  profile, tenant) by what a person knows — an employee's number and name, an account's
  person and login name; other kinds by their label and number.  Names are read for
  the whole page at once: one statement per kind of object, whatever the page holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.labels import status_label
from app.models import Account, Employee, PayProfile, Position, Room, Store, Tenant, TherapistLevel
from app.permissions import role_label

# Object kinds (AuditEntry.object_type) as the page names them.
OBJECT_LABELS: dict[str, object] = {
    "account": _l("账号"),
    "api_token": _l("API 令牌"),
    "assessment_run": _l("技能评定"),
    "asset": _l("资产"),
    "asset_count": _l("资产盘点"),
    "attendance_sheet": _l("考勤表"),
    "board_entry": _l("轮牌"),
    "budget": _l("预算"),
    "business_day": _l("营业日"),
    "care_plan_entry": _l("回访计划"),
    "checklist_template": _l("清单模板"),
    "clock_record": _l("打卡记录"),
    "complaint": _l("投诉"),
    "complaint_investigation": _l("技术投诉调查"),
    "customer": _l("客户"),
    "discipline": _l("违纪"),
    "dormitory": _l("宿舍"),
    "employee": _l("员工"),
    "employee_change": _l("人事变动"),
    "exam_criterion": _l("考核评分项"),
    "inspection": _l("门店检查"),
    "inspection_follow_up": _l("整改事项"),
    "inspection_template": _l("检查表"),
    "leave_request": _l("请假申请"),
    "order": _l("消费单"),
    "order_line": _l("消费项目"),
    "overtime_request": _l("加班申请"),
    "pay_profile": _l("薪资方案"),
    "payroll_run": _l("工资计算"),
    "position": _l("岗位"),
    "practical_exam": _l("实操考核"),
    "qualifications": _l("技师资格"),
    "refund": _l("退款"),
    "reward": _l("奖惩"),
    "room": _l("房间"),
    "satisfaction_review": _l("满意度复盘"),
    "service_item": _l("服务项目"),
    "service_job": _l("钟"),
    "skill_assessment": _l("技能评定结果"),
    "stock_item": _l("物料"),
    "store": _l("门店"),
    "store_price": _l("门店价格"),
    "store_stock": _l("门店库存"),
    "store_target": _l("经营目标"),
    "tax_opening": _l("个税期初"),
    "technique_proposal": _l("新项目提案"),
    "tenant": _l("企业"),
    "therapist_level": _l("技师等级"),
    "training_session": _l("培训"),
}

FIELD_LABELS: dict[str, object] = {
    # people and accounts
    "employee_id": _l("员工"), "therapist_id": _l("技师"), "employee_no": _l("工号"),
    "name": _l("名称"), "username": _l("用户名"), "role": _l("角色"),
    "store_id": _l("门店"), "store_ids": _l("门店"), "position_id": _l("岗位"),
    "level_id": _l("技师等级"), "pay_profile_id": _l("薪资方案"), "status": _l("状态"),
    "hire_date": _l("入职日期"), "last_day": _l("最后工作日"),
    "probation_ends_on": _l("试用期截止"), "monthly_base_override": _l("个人月基本工资"),
    "monthly_base": _l("月基本工资"), "si_enrolled": _l("参加社保"), "si_base": _l("社保基数"),
    "monthly_special_deduction": _l("专项附加扣除（月）"), "bank_name": _l("开户银行"),
    "id_card_no": _l("身份证号"), "bank_account_no": _l("银行账号"),
    "health_cert_no": _l("健康证号"), "health_cert_expires_on": _l("健康证有效期至"),
    "phone": _l("电话"), "gender": _l("性别"), "enabled": _l("启用"),
    "accounts_disabled": _l("停用的账号"), "tokens_revoked": _l("吊销的令牌"),
    "board_entries": _l("撤下的轮牌"), "schedules_removed": _l("删除的排班"),
    "had_pin": _l("原有打卡密码"), "by_self": _l("本人操作"), "scope": _l("范围"),
    "session_idle_minutes": _l("闲置自动退出（分钟）"),
    # changes (人事变动)
    "new_store_id": _l("新门店"), "new_position_id": _l("新岗位"), "new_level_id": _l("新等级"),
    "new_pay_profile_id": _l("新薪资方案"), "new_monthly_base": _l("新月基本工资"),
    "new_bank_name": _l("新开户银行"), "new_bank_account_no": _l("新银行账号"),
    "new_si_enrolled": _l("参加社保（新）"), "new_si_base": _l("新社保基数"),
    "new_monthly_special_deduction": _l("新专项附加扣除"), "change_id": _l("人事变动"),
    "effective_on": _l("生效日期"), "kind": _l("类型"), "reason": _l("原因"),
    "note": _l("备注"), "decision_note": _l("审批意见"), "verdict": _l("结论"),
    # pay settings
    "commission_multiplier": _l("提成系数"), "rank": _l("排序"), "is_active": _l("启用"),
    "overtime_eligible": _l("计加班费"), "commission": _l("计提成"),
    "card_sale_rate": _l("售卡提成比例"), "meal_allowance_per_day": _l("每日餐补"),
    "full_attendance_bonus": _l("全勤奖"), "year": _l("年度"),
    "cumulative_taxable": _l("累计应纳税所得额"), "cumulative_tax": _l("累计已预缴税额"),
    "month": _l("月份"), "total_net": _l("实发合计"), "employees": _l("人数"),
    "amount": _l("金额"), "title": _l("事由"), "description": _l("说明"),
    # time
    "starts_on": _l("开始日期"), "ends_on": _l("结束日期"), "days": _l("天数"),
    "work_date": _l("日期"), "hours": _l("小时"), "at": _l("时间"), "source": _l("来源"),
    "voided": _l("作废"), "week": _l("周"), "from_week": _l("复制自"), "to_week": _l("复制到"),
    "cells": _l("排班格数"),
    # onboarding / offboarding
    "step": _l("步骤"), "item_id": _l("事项"), "items": _l("事项"), "template": _l("模板"),
    "owner_department": _l("负责部门"), "onboarding_id": _l("入职办理"),
    "offboarding_id": _l("离职办理"), "issued_item_id": _l("领用物品"), "charge": _l("扣款"),
    "account_at": _l("开通账号时机"), "probation_months": _l("试用期（月）"),
    "settlement_amount": _l("结算金额"),
    # the store
    "code": _l("编号"), "city": _l("城市"), "address": _l("地址"), "opens_at": _l("开门"),
    "closes_at": _l("打烊"), "number": _l("房号"), "type": _l("房型"), "beds": _l("床位"),
    "price": _l("价格"), "category": _l("类别"), "duration_minutes": _l("时长（分钟）"),
    "commission_rotation": _l("轮钟提成"), "commission_requested": _l("点钟提成"),
    "unit": _l("单位"), "discount": _l("折扣"), "discount_products": _l("商品也打折"),
    "sort_order": _l("排序"), "preferences": _l("喜好"), "taboos": _l("禁忌"),
    "notes": _l("备注"), "favourite_therapist_id": _l("常点技师"),
    "membership_level_id": _l("会员等级"), "order_id": _l("消费单"), "job_id": _l("钟"),
    "method": _l("方式"), "action": _l("操作"), "added": _l("新增"), "removed": _l("移除"),
    "fields": _l("字段"), "field": _l("字段"), "business_date": _l("营业日"),
    "store_code": _l("门店编号"), "revenue": _l("营业额"), "order_count": _l("消费单数"),
    "money_received_total": _l("实收合计"), "refund_total": _l("退款合计"),
    "topup_total": _l("充值合计"), "mismatch_count": _l("差异笔数"),
    "one_person_office": _l("一人兼任"), "thresholds": _l("金额门槛"),
}

# Fields whose value names a core object (the kind as in NAMERS).
REFERENCE_FIELDS = {
    "employee_id": "employee", "therapist_id": "employee", "favourite_therapist_id": "employee",
    "store_id": "store", "store_ids": "store", "new_store_id": "store",
    "position_id": "position", "new_position_id": "position",
    "level_id": "therapist_level", "new_level_id": "therapist_level",
    "pay_profile_id": "pay_profile", "new_pay_profile_id": "pay_profile",
    "account_id": "account",
}


# Codes a department stores under a key (``kind``: "personal" -> 事假), by (object kind,
# key); object kind None: under that key in any entry.
VALUE_LABELS: dict[tuple[str | None, str], dict[str, object]] = defaultdict(dict)


def register_audit_fields(labels: dict) -> None:
    """A department labels the keys its audit entries store (same label twice is fine)."""
    FIELD_LABELS.update(labels)


def register_audit_values(key: str, labels: dict, object_type: str | None = None) -> None:
    """A department labels the codes it stores under ``key`` in entries about
    ``object_type`` (None: any); a code's first label stays."""
    for code, label in labels.items():
        VALUE_LABELS[(object_type, key)].setdefault(code, label)


@dataclass(frozen=True)
class ChangeLine:
    """One field of an entry: its label and the value before and after (None: absent)."""

    label: str
    old: str | None
    new: str | None


@dataclass
class AuditRow:
    entry: object
    object_label: str
    changes: list[ChangeLine] = field(default_factory=list)


def audit_rows(entries) -> list[AuditRow]:
    """The page's entries, readable; names read once per kind of object."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_type in NAMERS and str(entry.object_id).isdigit():
            wanted[entry.object_type].add(int(entry.object_id))
        for state in (entry.before, entry.after):
            for key, value in (state or {}).items() if isinstance(state, dict) else ():
                kind = REFERENCE_FIELDS.get(key)
                if kind:
                    wanted[kind].update(_ids(value))
    names = {kind: NAMERS[kind](sorted(ids)) for kind, ids in wanted.items() if ids}
    return [AuditRow(entry, _object_label(entry, names), _change_lines(entry, names))
            for entry in entries]


def _object_label(entry, names: dict) -> str:
    kind = entry.object_type or ""
    label = str(OBJECT_LABELS.get(kind, kind))
    if not entry.object_id:
        return label
    if str(entry.object_id).isdigit():
        name = names.get(kind, {}).get(int(entry.object_id))
        if name:
            return f"{label} {name}"
    return f"{label} #{entry.object_id}"


def _change_lines(entry, names: dict) -> list[ChangeLine]:
    kind = entry.object_type or None
    before = entry.before if isinstance(entry.before, dict) else None
    after = entry.after if isinstance(entry.after, dict) else None
    if before is None and after is None:
        return []
    if before is not None and after is not None:
        keys = list(dict.fromkeys([*before, *after]))
        changed = [k for k in keys if before.get(k) != after.get(k)]
        return [ChangeLine(field_label(k),
                           format_value(k, before[k], names, kind) if k in before else None,
                           format_value(k, after[k], names, kind) if k in after else None)
                for k in (changed or keys)]
    state, is_after = (after, True) if after is not None else (before, False)
    return [ChangeLine(field_label(k), None if is_after else format_value(k, v, names, kind),
                       format_value(k, v, names, kind) if is_after else None)
            for k, v in state.items()]


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key


def format_value(key: str, value, names: dict | None = None,
                 object_type: str | None = None) -> str:
    """One stored value (under ``key`` of an entry about ``object_type``) as shown."""
    names = names or {}
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    kind = REFERENCE_FIELDS.get(key)
    if kind:
        found = names.get(kind, {})
        return "、".join(found.get(i) or f"#{i}" for i in _ids(value)) or str(value)
    if isinstance(value, list):
        return "、".join(format_value("", item, names, object_type) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{format_value(k, v, names, object_type)}"
                        for k, v in value.items())
    for labels in (VALUE_LABELS.get((object_type, key), {}), VALUE_LABELS.get((None, key), {})):
        if str(value) in labels:
            return str(labels[str(value)])
    if key == "role":
        return role_label(str(value))
    if key in ("status", "gender", "type", "method"):
        return status_label(str(value))
    return str(value)


def _ids(value) -> list[int]:
    values = value if isinstance(value, list | tuple) else [value]
    return [int(v) for v in values if isinstance(v, int) or (isinstance(v, str) and v.isdigit())]


# --- names of the core objects, one statement per kind -------------------------------

def _employee_names(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(select(Employee.id, Employee.employee_no, Employee.name)
                              .where(Employee.id.in_(ids)))
    return {row.id: f"{row.employee_no} {row.name}" for row in rows}


def _account_names(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(Account.id, Account.username, Account.display_name, Employee.employee_no,
               Employee.name)
        .outerjoin(Employee, Employee.id == Account.employee_id)
        .where(Account.id.in_(ids)))
    found = {}
    for row in rows:
        person = (f"{row.employee_no} {row.name}" if row.employee_no
                  else row.display_name or row.username)
        found[row.id] = _("%(person)s（登录名 %(username)s）", person=person,
                          username=row.username)
    return found


def _named(model, attribute="name"):
    def read(ids: list[int]) -> dict[int, str]:
        column = getattr(model, attribute)
        return {row.id: str(row[1]) for row in
                db.session.execute(select(model.id, column).where(model.id.in_(ids)))}
    return read


def _room_names(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(select(Room.id, Room.number, Store.name)
                              .join(Store, Store.id == Room.store_id).where(Room.id.in_(ids)))
    return {row.id: _("%(store)s %(number)s 房", store=row.name, number=row.number)
            for row in rows}


NAMERS = {
    "employee": _employee_names,
    "account": _account_names,
    "store": _named(Store),
    "room": _room_names,
    "position": _named(Position),
    "therapist_level": _named(TherapistLevel),
    "pay_profile": _named(PayProfile),
    "tenant": _named(Tenant),
}
