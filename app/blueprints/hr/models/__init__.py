"""Tables of HR, split by domain: lifecycle (入职/离职/变动), time (考勤), payroll (工资)."""

from app.blueprints.hr.models.lifecycle import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    EmployeeChange,
    IssuedItem,
    Offboarding,
    Onboarding,
)
from app.blueprints.hr.models.payroll import (
    PayrollRun,
    Payslip,
    RewardPenalty,
    TaxOpeningBalance,
    TaxOpeningRequest,
)
from app.blueprints.hr.models.time import (
    AttendanceSheet,
    ClockRecord,
    LeaveRequest,
    OvertimeRequest,
    ScheduleEntry,
    ShiftTemplate,
)

__all__ = [
    "AttendanceSheet",
    "ChecklistItem",
    "ChecklistTemplate",
    "ChecklistTemplateItem",
    "ClockRecord",
    "EmployeeChange",
    "IssuedItem",
    "LeaveRequest",
    "Offboarding",
    "Onboarding",
    "OvertimeRequest",
    "PayrollRun",
    "Payslip",
    "RewardPenalty",
    "ScheduleEntry",
    "ShiftTemplate",
    "TaxOpeningBalance",
    "TaxOpeningRequest",
]


def _register_path_objects() -> None:
    """Ids of these objects in URLs are resolved centrally (app.permissions)."""
    from app.models import PayProfile, TherapistLevel
    from app.permissions import register_path_object

    for argument, model in {
        "template_id": ChecklistTemplate,
        "template_item_id": ChecklistTemplateItem,
        "onboarding_id": Onboarding,
        "offboarding_id": Offboarding,
        "checklist_item_id": ChecklistItem,
        "issued_item_id": IssuedItem,
        "change_id": EmployeeChange,
        "shift_id": ShiftTemplate,
        "schedule_entry_id": ScheduleEntry,
        "clock_id": ClockRecord,
        "leave_id": LeaveRequest,
        "overtime_id": OvertimeRequest,
        "sheet_id": AttendanceSheet,
        "reward_id": RewardPenalty,
        "run_id": PayrollRun,
        "payslip_id": Payslip,
        "tax_request_id": TaxOpeningRequest,
        "pay_profile_id": PayProfile,
        "therapist_level_id": TherapistLevel,
    }.items():
        register_path_object(argument, model)


_register_path_objects()
