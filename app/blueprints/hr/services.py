"""人力资源部 services: a thin re-export of the HR modules, so existing imports keep working.

``from app.blueprints.hr import services`` then ``services.create_employee``,
``services.create_login_for_employee``, ``services.HrError``... The code lives in:

* app/blueprints/hr/common.py    — HrError, get_by_id, Page, positions, stores
* app/blueprints/hr/employee_lists.py — the employee list, headcount, recent hires
* app/blueprints/hr/employees.py — the employee file: create/update, validation, pay
* app/blueprints/hr/logins.py    — the logins HR hands out

New code may import from those modules directly.
"""

from __future__ import annotations

from app.blueprints.hr.common import (  # noqa: F401
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    HrError,
    Page,
    get_by_id,
    is_store_role,
    positions,
    stores,
    tenant_today,
)
from app.blueprints.hr.employee_lists import (  # noqa: F401
    EmployeeFilters,
    employee_ids_with_login,
    employee_query,
    employees_without_login,
    headcount_by_store,
    list_employees,
    on_staff_count,
    recent_hires,
    therapist_roster,
)
from app.blueprints.hr.employees import (  # noqa: F401
    AUDITED_FIELDS,
    CHANGE_CONTROLLED_FIELDS,
    EDITABLE_FIELDS,
    SENSITIVE_FIELDS,
    create_employee,
    health_cert_alerts,
    masked_value,
    pay_profile_in_force,
    update_employee,
)
from app.blueprints.hr.logins import (  # noqa: F401
    INITIAL_PASSWORD_LENGTH,
    NOT_LEFT_STATUSES,
    OWNER_ONLY_ROLES,
    IssuedLogin,
    accounts_of_employee,
    create_login_for_employee,
    disable_login,
    enable_login,
    generate_password,
    list_accounts,
    reset_login_password,
    set_login_stores,
    update_login,
)
