"""Brute force at every door: /login/, /admin/login/, the token view and the one-time reset.

django-axes counts failures per account and per client address in the database; the client
address is the TCP peer unless TRUSTED_PROXIES says how many proxies of ours write
X-Forwarded-For.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from portal import accounts
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
LOCKED = "登录失败次数过多"
# The web login and the token view let alice in; the admin login is for grace (staff).
ACCOUNT = {"web": "alice", "admin": "grace", "token": "alice"}


def attempt(door, client, username, password, **headers):
    if door == "web":
        return client.post(reverse("login"), {"username": username, "password": password}, **headers)
    if door == "admin":
        data = {"username": username, "password": password, "next": "/admin/"}
        return client.post(reverse("admin:login"), data, **headers)
    data = {"username": username, "password": password}
    return client.post(TOKEN_URL, data, content_type="application/json", **headers)


def let_in(door, response) -> bool:
    if door == "token":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302


def refused_as_locked(door, response) -> bool:
    text = response.json()["detail"] if door == "token" else response.content.decode()
    return response.status_code == 429 and LOCKED in text and int(response["Retry-After"]) > 0


def forget_throttles():
    """The token view's per-minute throttle (in the cache) would refuse too: clearing it leaves
    django-axes as the only thing that can refuse."""
    cache.clear()


@pytest.mark.parametrize("door", ["web", "admin", "token"])
def test_30_wrong_passwords_then_the_right_one_is_refused(world, door):
    client = Client()
    username = ACCOUNT[door]
    for _ in range(30):
        assert not let_in(door, attempt(door, client, username, "wrong-password"))
    forget_throttles()
    response = attempt(door, client, username, PASSWORD)
    assert refused_as_locked(door, response), response.content[:500]
    # From another device too: the account itself is locked.
    forget_throttles()
    assert refused_as_locked(door, attempt(door, Client(REMOTE_ADDR="10.9.9.9"), username, PASSWORD))


@pytest.mark.parametrize("door", ["web", "admin", "token"])
def test_a_new_x_forwarded_for_per_attempt_does_not_make_a_new_client(world, door):
    # Spraying many accounts, each attempt claiming another address: with no proxy configured
    # the header is the client's own words, so every attempt counts against the one peer.
    client = Client()
    for i in range(30):
        response = attempt(door, client, f"user{i}", "wrong-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        assert not let_in(door, response)
    forget_throttles()
    fresh = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert refused_as_locked(door, attempt(door, client, ACCOUNT[door], PASSWORD, **fresh))
    # The account was never attacked: from another peer it is let in.
    assert let_in(door, attempt(door, Client(REMOTE_ADDR="10.9.9.9"), ACCOUNT[door], PASSWORD))


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_client(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = Client(REMOTE_ADDR="10.0.0.2")  # every request arrives from our proxy
    for i in range(30):
        attempt("web", proxy, f"user{i}", "wrong-password", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert refused_as_locked(
        "web", attempt("web", proxy, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.66")
    )
    # Another client behind the same proxy is not locked out with the attacker; an address the
    # client wrote before the one our proxy appended is not believed.
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.66, 198.51.100.7"}
    assert let_in("web", attempt("web", proxy, "alice", PASSWORD, **other))


def test_the_client_address_ignores_x_forwarded_for_unless_proxies_are_trusted(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    assert accounts.client_address(request) == "10.0.0.2"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert accounts.client_address(request) == "5.6.7.8"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    assert accounts.client_address(request) == "1.2.3.4"


@pytest.mark.parametrize("door", ["web", "admin", "token"])
def test_the_account_holder_gets_in_after_the_cool_off(world, settings, door):
    client = Client()
    for _ in range(30):
        attempt(door, client, ACCOUNT[door], "wrong-password")
    forget_throttles()
    assert refused_as_locked(door, attempt(door, client, ACCOUNT[door], PASSWORD))
    past = settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)
    for record in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=record.pk).update(attempt_time=record.attempt_time - past)
    assert let_in(door, attempt(door, client, ACCOUNT[door], PASSWORD))


def test_an_operator_can_lift_a_lockout_early(world):
    client = Client()
    for _ in range(30):
        attempt("web", client, "alice", "wrong-password")
    assert refused_as_locked("web", attempt("web", Client(REMOTE_ADDR="10.9.9.9"), "alice", PASSWORD))
    call_command("axes_reset_username", "alice")
    assert let_in("web", attempt("web", Client(REMOTE_ADDR="10.9.9.9"), "alice", PASSWORD))


def test_the_lockout_page_is_in_the_portal_layout_in_chinese(world):
    client = Client()
    for _ in range(11):
        attempt("web", client, "alice", "wrong-password")
    page = attempt("web", client, "alice", PASSWORD).content.decode()
    assert LOCKED in page and "15 分钟" in page
    assert 'href="/static/' in page  # base.html's stylesheet: the portal's page, not a bare string


def test_wrong_reset_codes_lock_the_reset_page_and_the_login(world):
    client = Client()
    for i in range(30):
        data = {"username": f"user{i}", "code": "AAAA-BBBB-CCCC", "new_password1": "x", "new_password2": "x"}
        assert client.post(reverse("one_time_reset"), data).status_code in (200, 429)
    forget_throttles()
    issued = accounts.issue_resets(users=[world.cadre])[0]
    data = {
        "username": "alice",
        "code": issued.code,
        "new_password1": "a-new-long-password",
        "new_password2": "a-new-long-password",
    }
    assert refused_as_locked("web", client.post(reverse("one_time_reset"), data))
    assert refused_as_locked("web", attempt("web", client, "alice", PASSWORD))
    # From elsewhere the code still works (it was never tried against alice).
    assert Client(REMOTE_ADDR="10.9.9.9").post(reverse("one_time_reset"), data).status_code == 302


def test_a_successful_login_leaves_no_record_of_when(world):
    assert let_in("web", attempt("web", Client(), "alice", PASSWORD))
    assert let_in("token", attempt("token", Client(), "alice", PASSWORD))
    assert not AccessLog.objects.exists()
    assert not AccessAttempt.objects.exists()
    admin = Client()
    admin.force_login(world.admin)
    assert admin.get("/admin/axes/accessattempt/").status_code == 404
