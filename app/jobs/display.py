"""A job run as the jobs page names it: "计算工资 · 2026年11月 · 全部门店", not
``payroll.run {"run_id": 1}``.

Each job declares its ``label`` and, when its parameters are ids, a ``describe``
that turns a page's worth of parameters into words in one query (app/jobs/__init__.py).
A job without them shows its kind, and its parameters as "name：value" with the
common names (``now``, ``today``, ``month``) labelled.  The result of a run is shown
the same way: known keys labelled, nested values flattened.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.jobs import REGISTRY
from app.labels import STATUS_LABELS
from app.permissions import ROLES

PARAM_LABELS: dict[str, object] = {
    "now": _l("时间"),
    "today": _l("日期"),
    "month": _l("月份"),
}

RESULT_LABELS: dict[str, object] = {
    "run_id": _l("批次"),
    "month": _l("月份"),
    "payslips": _l("工资条"),
    "total_net": _l("实发合计"),
    "skipped": _l("未计算"),
    "total": _l("合计"),
    "generated_at": _l("生成时间"),
    "stores": _l("门店"),
    "head_office": _l("总部"),
    "by_role": _l("按岗位"),
    "by_status": _l("按状态"),
    "failed": _l("标记失败"),
    "name": _l("名称"),
    "store_id": _l("门店"),
    "employee_no": _l("工号"),
    "reason": _l("原因"),
}


# Codes a run's result carries as values.
RESULT_VALUE_LABELS: dict[str, object] = {
    "no_pay_profile": _l("没有薪资方案"),
}

QUEUE_LABELS: dict[str, object] = {
    "default": _l("常规"),
    "payroll": _l("工资"),
    "reports": _l("报表"),
}


@dataclass(frozen=True)
class JobText:
    label: str
    details: str
    queue: str = ""


def job_texts(records) -> dict[int, JobText]:
    """Label and parameters in words of each run (by record id), a describe per kind."""
    by_kind: dict[str, list] = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
    texts = {}
    for kind, runs in by_kind.items():
        spec = REGISTRY.get(kind)
        label = str(spec.label) if spec is not None and spec.label is not None else kind
        params = [record.params or {} for record in runs]
        if spec is not None and spec.describe is not None:
            details = spec.describe(params)
        else:
            details = [plain_params(p) for p in params]
        for record, detail in zip(runs, details, strict=True):
            texts[record.id] = JobText(label, detail, _label(QUEUE_LABELS, record.queue))
    return texts


def plain_params(params: dict) -> str:
    return " · ".join(f"{_label(PARAM_LABELS, k)}：{v}" for k, v in params.items()
                      if v not in (None, ""))


def result_lines(result) -> list[tuple[str, str]]:
    """A run's result as (label, value) lines; a bare value is one line without label."""
    if not isinstance(result, dict):
        return [("", _plain(result))]
    return [(_label(RESULT_LABELS, k), _plain(v)) for k, v in result.items()]


def _plain(value) -> str:
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, dict):
        return "；".join(f"{_label(RESULT_LABELS, k)}：{_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " / ".join(_plain(item) for item in value)
    if isinstance(value, str) and value in RESULT_VALUE_LABELS:
        return str(RESULT_VALUE_LABELS[value])
    return str(value)


def _label(labels: dict, key: str) -> str:
    """The key's label; a role or status code (a headcount's keys) by its own label."""
    found = labels.get(key)
    if found is None:
        found = ROLES[key].label if key in ROLES else STATUS_LABELS.get(key)
    return str(found) if found is not None else key
