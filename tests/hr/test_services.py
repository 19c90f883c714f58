"""The employee file and login rules, as plain functions."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.blueprints.hr import services
from app.extensions import db
from app.models import Account, AuditEntry, Employee
from app.security import verify_password
from tests.hr.helpers import add_employee, position


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_employee_for_a_store_post(company_a, in_tenant):
    with in_tenant(company_a):
        employee = services.create_employee(
            employee_no="T801", name="小美", position_id=position("therapist").id,
            store_id=company_a.store.id, gender="female", phone="13912345678",
            hire_date=date(2026, 3, 1))
        assert employee.id and employee.tenant_id == company_a.tenant_id
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "employee.create"))
        assert entry.after["employee_no"] == "T801"


def test_duplicate_employee_no_is_a_field_error_and_adds_nothing(company_a, in_tenant):
    with in_tenant(company_a):
        before = _count(Employee)
        taken = company_a.employees["cashier"].employee_no
        with pytest.raises(services.HrError) as error:
            services.create_employee(employee_no=taken, name="重复", store_id=company_a.store.id,
                                     position_id=position("cashier").id)
        assert set(error.value.fields) == {"employee_no"}
        assert taken in error.value.fields["employee_no"]
        assert _count(Employee) == before


def test_the_same_employee_no_is_fine_in_another_company(company_a, company_b, in_tenant):
    with in_tenant(company_a):
        add_employee("A-ONLY", store=company_a.store)
    with in_tenant(company_b):
        employee = services.create_employee(
            employee_no="A-ONLY", name="别家", store_id=company_b.store.id,
            position_id=position("cashier").id)
        assert employee.tenant_id == company_b.tenant_id


def test_store_post_needs_a_store_head_office_post_may_have_none(company_a, in_tenant):
    with in_tenant(company_a):
        with pytest.raises(services.HrError) as error:
            services.create_employee(employee_no="C9", name="无店收银",
                                     position_id=position("cashier").id, store_id=None)
        assert "store_id" in error.value.fields
        hr = services.create_employee(employee_no="H9", name="人事",
                                      position_id=position("hr_staff").id, store_id=None)
        assert hr.store_id is None
        based = services.create_employee(employee_no="H10", name="驻店人事",
                                         position_id=position("hr_staff").id,
                                         store_id=company_a.stores[1].id)
        assert based.store_id == company_a.stores[1].id


def test_position_and_store_must_exist_in_this_company(company_a, company_b, in_tenant):
    with in_tenant(company_b):
        other_store_id = company_b.store.id
    with in_tenant(company_a):
        with pytest.raises(services.HrError) as error:
            services.create_employee(employee_no="X1", name="某人", position_id=None)
        assert "position_id" in error.value.fields
        with pytest.raises(services.HrError) as error:
            services.create_employee(employee_no="X1", name="某人",
                                     position_id=position("cashier").id,
                                     store_id=other_store_id)
        assert "store_id" in error.value.fields
        with pytest.raises(services.HrError) as error:
            services.create_employee(employee_no="", name="", position_id=position("cashier").id,
                                     store_id=company_a.store.id, gender="x", status="fired")
        assert {"employee_no", "name", "gender", "status"} <= set(error.value.fields)


def test_update_audits_store_and_position_before_after(company_a, in_tenant):
    # Issue 9: the status is no longer set here (only onboarding/offboarding move it),
    # so this test no longer moves it; test_duties.py proves the refusal.
    with in_tenant(company_a):
        employee = company_a.employees["cashier"]
        employee.status = "onboarding"  # still being set up: store and post edited directly
        old_store, new_store = company_a.stores[0].id, company_a.stores[1].id
        services.update_employee(employee, store_id=new_store,
                                 position_id=position("receptionist").id, name="改名")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "employee.update"))
        assert entry.before == {"store_id": old_store, "position_id": position("cashier").id}
        assert entry.after == {"store_id": new_store,
                               "position_id": position("receptionist").id}
        # The login of a store post moves with the person.
        account = company_a.accounts["cashier"]
        assert account.store_ids == {new_store}


def test_update_checks_employee_no_against_others_only(company_a, in_tenant):
    with in_tenant(company_a):
        employee = company_a.employees["cashier"]
        services.update_employee(employee, employee_no=employee.employee_no)  # unchanged: fine
        with pytest.raises(services.HrError) as error:
            services.update_employee(employee,
                                     employee_no=company_a.employees["foreman"].employee_no)
        assert "employee_no" in error.value.fields
        with pytest.raises(services.HrError):
            services.update_employee(employee, tenant_id=999)


def test_marking_someone_left_directly_is_refused(company_a, in_tenant):
    # Issue 9: this used to set ``left`` and disable the logins at once, bypassing
    # offboarding (and its approval); now only the offboarding flow gets there.
    with in_tenant(company_a):
        employee = company_a.employees["cashier"]
        account = company_a.accounts["cashier"]
        version = account.session_version
        with pytest.raises(services.HrError) as error:
            services.update_employee(employee, status="left")
        assert "status" in error.value.fields
        assert account.is_enabled is True and account.session_version == version
        assert employee.status == "active"


def test_list_filters_search_and_store_scope(company_a, in_tenant):
    with in_tenant(company_a):
        store1, store2 = company_a.stores
        add_employee("T100", store=store1, name="王芳", phone="13800001234")
        add_employee("T101", store=store2, name="李娜", phone="13800005678")
        add_employee("T102", store=store2, name="王丽", status="left", phone="13800009999")

        def nos(**kwargs):
            scope = kwargs.pop("scope", None)
            page = services.list_employees(services.EmployeeFilters(**kwargs), scope)
            return sorted(e.employee_no for e in page.items)

        assert nos(search="王") == ["T100", "T102"]
        assert nos(search="T10") == ["T100", "T101", "T102"]
        assert nos(search="5678") == ["T101"]
        assert nos(store_id=store2.id) == ["T101", "T102"]
        assert nos(store_id=store2.id, status="left") == ["T102"]
        assert "T100" in nos(role="therapist") and "T101" in nos(role="therapist")
        assert nos(position_id=position("cashier").id) == [
            company_a.employees["cashier"].employee_no]
        # A store role sees only its stores, and never the head office.
        assert nos(scope={store2.id}) == ["T101", "T102"]
        assert nos(scope=set()) == []
        everyone = services.list_employees(page_size=5)
        assert everyone.total == _count(Employee) and len(everyone.items) == 5


def test_headcount_by_store_counts_statuses(company_a, in_tenant):
    with in_tenant(company_a):
        store2 = company_a.stores[1]
        add_employee("T200", store=store2, status="probation")
        add_employee("T201", store=store2, status="candidate")
        add_employee("T202", store=store2, status="left")
        counts = services.headcount_by_store()
        assert counts[store2.id] == {"probation": 1, "candidate": 1, "left": 1}
        assert services.on_staff_count(counts[store2.id]) == 1
        assert None in counts  # head office
        assert set(services.headcount_by_store({store2.id})) == {store2.id}


def test_create_login_defaults_to_the_position_role_and_store(company_a, in_tenant):
    with in_tenant(company_a):
        employee = add_employee("T300", store=company_a.stores[1])
        assert employee.id not in services.employee_ids_with_login([employee.id])
        issued = services.create_login_for_employee(employee, "t300")
        assert issued.account.role == "therapist"
        assert issued.account.employee_id == employee.id
        assert len(issued.password) >= 10
        assert verify_password(issued.account.password_hash, issued.password)
        db.session.flush()
        assert issued.account.store_ids == {company_a.stores[1].id}
        assert services.employee_ids_with_login([employee.id]) == {employee.id}
        with pytest.raises(services.HrError) as error:
            services.create_login_for_employee(employee, "t300b")
        assert "username" in error.value.fields


def test_create_login_field_errors(company_a, in_tenant):
    with in_tenant(company_a):
        employee = add_employee("T301", store=company_a.store)
        with pytest.raises(services.HrError) as error:
            services.create_login_for_employee(employee, "cashier")  # taken
        assert "username" in error.value.fields
        with pytest.raises(services.HrError) as error:
            services.create_login_for_employee(employee, "x y")
        assert "username" in error.value.fields
        with pytest.raises(services.HrError) as error:
            services.create_login_for_employee(employee, "t301", store_ids=[])
        assert "store_ids" in error.value.fields
        head = add_employee("H301", role="hr_staff")
        issued = services.create_login_for_employee(head, "h301")
        assert issued.account.store_ids == set()


def test_only_an_owner_hands_out_the_owner_role(company_a, in_tenant):
    with in_tenant(company_a):
        hr_manager = company_a.accounts["hr_manager"]
        employee = add_employee("H400", role="hr_staff")
        with pytest.raises(services.HrError) as error:
            services.create_login_for_employee(employee, "h400", role="owner", actor=hr_manager)
        assert "role" in error.value.fields
        with pytest.raises(services.HrError):
            services.reset_login_password(company_a.accounts["owner"], actor=hr_manager)
        with pytest.raises(services.HrError):
            services.disable_login(company_a.accounts["owner"], actor=hr_manager)
        with pytest.raises(services.HrError):
            services.update_login(hr_manager, role="owner", actor=hr_manager)
        with pytest.raises(services.HrError):
            services.disable_login(hr_manager, actor=hr_manager)
        issued = services.create_login_for_employee(
            employee, "h400", role="owner", actor=company_a.accounts["owner"])
        assert issued.account.role == "owner"


def test_reset_password_and_role_change_end_sessions(company_a, in_tenant):
    with in_tenant(company_a):
        account = company_a.accounts["cashier"]
        old_hash, version = account.password_hash, account.session_version
        password = services.reset_login_password(account)
        assert account.password_hash != old_hash
        assert verify_password(account.password_hash, password)
        assert account.session_version == version + 1
        services.update_login(account, role="receptionist")
        assert account.role == "receptionist" and account.session_version == version + 2
        assert account.store_ids == {company_a.store.id}


def test_stores_of_a_login(company_a, in_tenant):
    with in_tenant(company_a):
        account = company_a.accounts["store_manager"]
        services.set_login_stores(account, [s.id for s in company_a.stores])
        db.session.flush()
        assert account.store_ids == {s.id for s in company_a.stores}
        with pytest.raises(services.HrError) as error:
            services.set_login_stores(account, [])
        assert "store_ids" in error.value.fields
        with pytest.raises(services.HrError):
            services.set_login_stores(account, [987654])
        # A head-office role keeps no stores.
        services.update_login(account, role="hr_staff")
        db.session.flush()
        assert account.store_ids == set()
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "account.stores_change").order_by(AuditEntry.id)).all()[-1]
        assert entry.after == {"store_ids": []}


def test_enable_refused_for_someone_who_left(company_a, in_tenant):
    with in_tenant(company_a):
        account = company_a.accounts["cashier"]
        # Gone through offboarding (its last-day job sets ``left`` and disables the login).
        company_a.employees["cashier"].status = "left"
        services.disable_login(account, reason="离职")
        with pytest.raises(services.HrError):
            services.enable_login(account)
        assert not db.session.scalar(select(Account.is_enabled).where(Account.id == account.id))


def test_therapist_roster_is_per_scope(company_a, in_tenant):
    with in_tenant(company_a):
        add_employee("T500", store=company_a.stores[1])
        add_employee("T501", store=company_a.stores[1], status="left")
        everyone = {e.employee_no for e in services.therapist_roster()}
        assert "T500" in everyone and "T501" not in everyone
        assert company_a.employees["therapist"].employee_no in everyone
        store1_only = {e.employee_no for e in services.therapist_roster({company_a.store.id})}
        assert "T500" not in store1_only
