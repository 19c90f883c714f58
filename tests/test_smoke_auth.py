"""Log-in wiring: a role logs in and lands on its first page."""


def test_general_manager_lands_on_dashboard(client, auth, company_a):
    response = auth.login_as(company_a, "general_manager")
    assert response.location.endswith("/")
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200
    assert "总经理" in page.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_generic_message(client, auth, company_a):
    response = auth.login(company_a.code, "cashier", "wrong-password")
    assert response.status_code == 200
    assert "企业编号、用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/store/").status_code == 302
