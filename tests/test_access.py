"""Who may open which page: each role reaches its own home and is refused the others."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLE_PAGES = {
    "agent": "/queue/",
    "supervisor": "/monitoring/",
    "customer": "/portal/",
}


@pytest.fixture
def users(supervisor_user, agent, customer_a_user):
    return {"agent": agent.user, "supervisor": supervisor_user, "customer": customer_a_user}


@pytest.mark.parametrize("role", ROLE_PAGES)
def test_home_sends_each_role_to_its_own_page(client, users, role):
    client.force_login(users[role])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == ROLE_PAGES[role]
    assert client.get(ROLE_PAGES[role]).status_code == 200


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (role, url)
        for role in ROLE_PAGES
        for other, url in ROLE_PAGES.items()
        if other != role and not (role == "supervisor" and other == "agent")
    ],
)
def test_roles_are_refused_pages_of_other_roles(client, users, role, url):
    client.force_login(users[role])
    assert client.get(url).status_code == 403


def test_supervisors_may_also_work_the_queue(client, users):
    client.force_login(users["supervisor"])
    assert client.get("/queue/").status_code == 200


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_supervisors_reach_the_admin(client, users, role):
    client.force_login(users[role])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_user_without_role_is_refused_home(client, db):
    from conftest import make_user

    client.force_login(make_user())
    assert client.get("/").status_code == 403


@pytest.mark.parametrize("url", ["/", "/queue/", "/monitoring/", "/portal/"])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("url", ["/healthz", "/accounts/login/"])
def test_health_probe_and_login_are_open_to_anonymous(client, url):
    assert client.get(url).status_code == 200


def test_login_with_wrong_password_is_refused(client, agent):
    response = client.post(
        "/accounts/login/", {"username": agent.user.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client, agent):
    response = client.post("/accounts/login/", {"username": agent.user.username, "password": "pw"})
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/queue/"
    client.post("/accounts/logout/")
    assert client.get("/queue/").status_code == 302


def test_layout_shows_navigation_for_the_role_only(client, users):
    client.force_login(users["agent"])
    page = client.get("/queue/").content.decode()
    assert 'href="/queue/"' in page
    assert 'href="/monitoring/"' not in page
    assert 'href="/portal/"' not in page


def test_language_switcher_renders_chinese(client, users):
    client.force_login(users["agent"])
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/queue/"})
    page = client.get("/queue/").content.decode()
    assert "退出" in page
