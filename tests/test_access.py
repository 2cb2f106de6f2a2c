"""Who may open which page: each role reaches its own home and is refused the others."""

import re

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


def _every_route(patterns=None, prefix=""):
    """Every URL of the project with its parameters filled in ("1"), admin and the
    language switch aside: the admin has its own login, tested above."""
    from django.urls import URLResolver, get_resolver

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "i18n/")):
                continue
            yield from _every_route(entry.url_patterns, route)
        else:
            yield "/" + re.sub(r"<[^>]+>", "1", route)


OPEN_TO_ANONYMOUS = {"/healthz", "/accounts/login/"}


@pytest.mark.parametrize("url", sorted(set(_every_route()) - OPEN_TO_ANONYMOUS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_sends_anonymous_users_to_login(client, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302, url
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_every_route_is_listed(client):
    """The walk above must see the pages; an empty walk would pass vacuously."""
    routes = set(_every_route())
    assert {"/queue/", "/portal/quota/", "/monitoring/", "/staffing/", "/status/"} <= routes


OK, REFUSED, TO_ADMIN_LOGIN = 200, 403, 302
# Expected status per role (agent, supervisor, customer) for each page.
ROLE_MATRIX = {
    "/queue/": (OK, OK, REFUSED),
    "/tickets/new/": (OK, OK, REFUSED),
    "/tickets/{ref}/": (OK, OK, REFUSED),
    "/tickets/{ref}/manage/": (OK, OK, REFUSED),
    "/monitoring/": (REFUSED, OK, REFUSED),
    "/monitoring/review/2026-11/": (REFUSED, OK, REFUSED),
    "/staffing/": (REFUSED, OK, REFUSED),
    "/billing/": (REFUSED, OK, REFUSED),
    "/portal/": (REFUSED, REFUSED, OK),
    "/portal/quota/": (REFUSED, REFUSED, OK),
    "/portal/guide/": (REFUSED, REFUSED, OK),
    "/portal/requests/new/": (REFUSED, REFUSED, OK),
    "/portal/requests/{ref}/": (REFUSED, REFUSED, OK),
    "/status/": (OK, OK, OK),
    "/admin/": (TO_ADMIN_LOGIN, OK, TO_ADMIN_LOGIN),
}


@pytest.mark.parametrize("address", ROLE_MATRIX)
def test_role_matrix(client, users, customer_a, address):
    from conftest import make_request

    ticket = make_request(customer=customer_a)
    url = address.format(ref=ticket.reference)
    for role, expected in zip(
        ["agent", "supervisor", "customer"], ROLE_MATRIX[address], strict=True
    ):
        client.force_login(users[role])
        assert client.get(url).status_code == expected, (role, url)
