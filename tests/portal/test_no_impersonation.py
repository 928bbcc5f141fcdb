"""Reporter protection rule 4: no impersonation, little metadata.

No role sets or learns a cadre's password or acts as a cadre: administrators issue a one-time
reset that the account holder completes. No login time is kept. Administrators' changes to
accounts and reference data go to an append-only audit log that never records cadres' activity.
Everything is driven through public interfaces: /admin/, /reset/, /login/ and the token endpoint.
"""

import datetime as dt
import re
import uuid
from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from portal.models import Role, User
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
RESET_URL = "/reset/"
NEW_PASSWORD = "a-fresh-passphrase-42"
CODE = re.compile(r'class="one-time-code"[^>]*>([A-Z0-9-]+)<')


def _row(user) -> dict:
    return User.objects.filter(pk=user.pk).values().get()


@pytest.fixture
def admin_client(world):
    client = Client()
    client.force_login(world.admin)
    return client


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return CODE.findall(response.text)


def issue_reset(admin_client, user) -> str:
    """The administrator's one-time reset of `user` through /admin/; the code shown once."""
    url = reverse("admin:portal_user_one_time_reset", args=[user.pk])
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert _codes(confirm) == []  # nothing is issued before confirming
    (code,) = _codes(admin_client.post(url, {"confirmed": "yes"}))
    return code


def complete(client, username, code, password=NEW_PASSWORD, again=None):
    return client.post(
        RESET_URL,
        {"username": username, "code": code, "new_password1": password, "new_password2": again or password},
    )


def can_log_in(username, password) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def token_login(username, password):
    return Client().post(
        TOKEN_URL, {"username": username, "password": password}, content_type="application/json"
    )


# ---------------------------------------------------------------------------- login times


def test_no_login_time_column_exists(db):
    assert "last_login" not in {field.name for field in User._meta.get_fields()}
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, User._meta.db_table)
    columns = {column.name for column in description}
    assert "last_login" not in columns


def test_a_cadre_web_login_writes_nothing_to_the_account(client, world):
    before = _row(world.cadre)
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert _row(world.cadre) == before
    assert User.objects.get(pk=world.cadre.pk).last_login is None


def test_a_cadre_token_login_writes_nothing_to_the_account(client, world):
    before = _row(world.cadre)
    response = client.post(
        TOKEN_URL, {"username": "alice", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    assert _row(world.cadre) == before


def test_an_admin_login_writes_nothing_to_the_account(client, world):
    before = _row(world.admin)
    response = client.post(reverse("admin:login"), {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert _row(world.admin) == before


@pytest.mark.parametrize("url_name", ["admin:portal_user_changelist", "admin:portal_user_change"])
def test_no_admin_user_page_shows_a_login_time(client, world, url_name):
    client.force_login(world.admin)
    args = [world.cadre.pk] if url_name.endswith("change") else []
    page = client.get(reverse(url_name, args=args)).text
    assert "last_login" not in page
    assert "上次登录" not in page


# ---------------------------------------------------------------------------- no password in /admin/


def test_the_user_change_form_shows_and_takes_no_password(admin_client, world):
    url = reverse("admin:portal_user_change", args=[world.cadre.pk])
    page = admin_client.get(url).text
    assert 'name="password' not in page
    assert "password/" not in page
    assert world.cadre.password.split("$")[1] not in page  # not even the hash's salt
    before = _row(world.cadre)["password"]
    response = admin_client.post(
        url,
        {
            "username": "alice",
            "display_name": "阿丽",
            "role": Role.CADRE,
            "region": world.village.pk,
            "department": "",
            "is_active": "on",
            "password": "md5$salt$0123456789abcdef0123456789abcdef",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert _row(world.cadre)["display_name"] == "阿丽"
    assert _row(world.cadre)["password"] == before
    assert not can_log_in("alice", NEW_PASSWORD)


@pytest.mark.parametrize("account", ["cadre", "county_reviewer", "admin"])
def test_the_admin_password_view_refuses_every_account(admin_client, world, account):
    user = getattr(world, account)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert url == f"/admin/portal/user/{user.pk}/password/"
    before = _row(user)["password"]
    for response in (
        admin_client.get(url, follow=True),
        admin_client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == reverse("admin:portal_user_change", args=[user.pk])
        assert "管理员不能设置密码" in response.text
    assert _row(user)["password"] == before
    assert not can_log_in(user.username, NEW_PASSWORD)


def test_creating_an_account_sets_no_password_and_shows_a_reset_code_once(admin_client, world):
    add = reverse("admin:portal_user_add")
    assert 'type="password"' not in admin_client.get(add).text
    response = admin_client.post(
        add,
        {
            "username": "puppet",
            "display_name": "puppet",
            "role": Role.CADRE,
            "region": world.township.pk,
            "department": "",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
    )
    (code,) = _codes(response)
    puppet = User.objects.get(username="puppet")
    assert not puppet.has_usable_password()
    assert not can_log_in("puppet", NEW_PASSWORD)  # the password the admin typed was ignored
    # The change page and the list never show the code again.
    assert code not in admin_client.get(reverse("admin:portal_user_change", args=[puppet.pk])).text
    assert code not in admin_client.get(reverse("admin:portal_user_changelist")).text
    assert complete(Client(), "puppet", code, "puppet-chose-this-1").status_code == 302
    assert can_log_in("puppet", "puppet-chose-this-1")


def test_no_admin_page_offers_to_act_as_anyone(admin_client, world):
    names = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                names.append(prefix + str(pattern.pattern) + " " + str(pattern.name))

    walk(get_resolver().url_patterns, "")
    impersonation = re.compile(r"hijack|impersonat|login[_-]?as|loginas|become|switch[_-]?user|\bsu\b", re.I)
    assert [name for name in names if impersonation.search(name)] == []
    assert not any(impersonation.search(app) for app in django_settings.INSTALLED_APPS)
    page = admin_client.get(reverse("admin:portal_user_change", args=[world.cadre.pk])).text
    assert "以此身份" not in page
    assert "log in as" not in page.lower()


# ---------------------------------------------------------------------------- tokens and sessions


def test_the_token_admin_is_gone_and_no_admin_page_shows_a_token_or_session(admin_client, world):
    key = token_login("alice", PASSWORD).json()["token"]
    cadre = Client()
    assert cadre.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    session_key = cadre.session.session_key
    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert admin_client.get("/admin/authtoken/").status_code == 404
    for url in [
        reverse("admin:index"),
        reverse("admin:portal_user_changelist"),
        reverse("admin:portal_user_changelist") + "?q=alice",
        reverse("admin:portal_user_change", args=[world.cadre.pk]),
        reverse("admin:portal_user_history", args=[world.cadre.pk]),
    ]:
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert "authtoken" not in page.text
        assert key not in page.text, url
        assert session_key not in page.text, url


@pytest.fixture
def redis_cache(need_redis, settings):
    """The real Redis as the cache, under a prefix of its own that is removed afterwards."""
    import redis

    prefix = f"test-{uuid.uuid4()}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": django_settings.REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield
    server = redis.Redis.from_url(django_settings.REDIS_URL)
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


@pytest.mark.parametrize("engine", ["db", "cached_db", "cached_db+redis"])
def test_a_reset_ends_the_sessions_and_tokens_of_the_account(request, settings, world, engine):
    if engine.endswith("redis"):
        request.getfixturevalue("redis_cache")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends." + engine.split("+")[0]
    admin_client = Client()
    admin_client.force_login(world.admin)
    cadre = Client()
    assert cadre.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    assert cadre.get(reverse("home")).status_code == 200
    session_key = cadre.session.session_key
    key = token_login("alice", PASSWORD).json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/departments/").status_code == 200
    other = Client()  # another cadre's session is left alone
    other.force_login(world.cadre2)

    code = issue_reset(admin_client, world.cadre)

    response = cadre.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not import_module(settings.SESSION_ENGINE).SessionStore().exists(session_key)
    assert api.get("/api/v1/departments/").status_code == 401
    assert not can_log_in("alice", PASSWORD)
    assert token_login("alice", PASSWORD).status_code == 400
    assert other.get(reverse("home")).status_code == 200
    assert admin_client.get(reverse("admin:index")).status_code == 200
    # Once completed, the new password gives a new token, not the old one.
    assert complete(Client(), "alice", code).status_code == 302
    fresh = token_login("alice", NEW_PASSWORD)
    assert fresh.status_code == 200
    assert fresh.json()["token"] != key


# ---------------------------------------------------------------------------- completing a reset


def test_a_code_sets_the_password_once(admin_client, world):
    code = issue_reset(admin_client, world.cadre)
    page = Client().get(RESET_URL)
    assert page.status_code == 200
    assert "一次性重置码" in page.text
    response = complete(Client(), "alice", code.lower().replace("-", " "))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert can_log_in("alice", NEW_PASSWORD)
    again = complete(Client(), "alice", code, "yet-another-passphrase-7")
    assert again.status_code == 200
    assert "重置码不正确" in again.text
    assert can_log_in("alice", NEW_PASSWORD)
    assert not can_log_in("alice", "yet-another-passphrase-7")


@pytest.mark.parametrize(("hours", "works"), [(71, True), (73, False)])
def test_a_code_expires_after_72_hours(admin_client, world, hours, works):
    code = issue_reset(admin_client, world.cadre)
    later = timezone.now() + dt.timedelta(hours=hours)
    with mock.patch.object(timezone, "now", return_value=later):
        response = complete(Client(), "alice", code)
    assert (response.status_code == 302) is works
    assert can_log_in("alice", NEW_PASSWORD) is works


def test_a_wrong_code_is_refused_and_five_void_the_reset(admin_client, world):
    code = issue_reset(admin_client, world.cadre)
    wrong = "AAAA-BBBB-CCCC" if code != "AAAA-BBBB-CCCC" else "CCCC-BBBB-AAAA"
    for _attempt in range(4):
        response = complete(Client(), "alice", wrong)
        assert response.status_code == 200
        assert "用户名或重置码不正确" in response.text
    assert not can_log_in("alice", NEW_PASSWORD)
    # Another account's code and an unknown username get the same answer.
    assert "用户名或重置码不正确" in complete(Client(), "bob", code).text
    assert "用户名或重置码不正确" in complete(Client(), "nobody", code).text
    complete(Client(), "alice", wrong)  # the fifth wrong code voids the reset
    assert complete(Client(), "alice", code).status_code == 200
    assert not can_log_in("alice", NEW_PASSWORD)


def test_a_new_reset_voids_the_earlier_code(admin_client, world):
    first = issue_reset(admin_client, world.cadre)
    second = issue_reset(admin_client, world.cadre)
    assert complete(Client(), "alice", first).status_code == 200
    assert complete(Client(), "alice", second).status_code == 302


def test_the_reset_page_throttles_attempts_per_client(admin_client, world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "3/min"}}
    code = issue_reset(admin_client, world.cadre)
    client = Client()
    for _attempt in range(3):
        assert complete(client, "bob", "AAAA-BBBB-CCCC").status_code == 200
    throttled = complete(client, "alice", code)
    assert throttled.status_code == 429
    assert "尝试次数过多" in throttled.text
    assert not can_log_in("alice", NEW_PASSWORD)


def test_password_rules_apply_in_chinese_and_keep_the_code(admin_client, world):
    code = issue_reset(admin_client, world.cadre)
    short = complete(Client(), "alice", code, "short")
    assert short.status_code == 200
    assert "密码长度太短" in short.text
    common = complete(Client(), "alice", code, "password123")
    assert "这个密码太常见了" in common.text
    differ = complete(Client(), "alice", code, NEW_PASSWORD, again=NEW_PASSWORD + "x")
    assert "两次输入的密码不一致" in differ.text
    missing = Client().post(RESET_URL, {"username": "alice"})
    assert "此项为必填项" in missing.text
    assert complete(Client(), "alice", code).status_code == 302


def test_the_holder_sees_the_reset_notice_at_the_next_login_once(admin_client, world, frozen):
    code = issue_reset(admin_client, world.cadre)
    assert complete(Client(), "alice", code).status_code == 302
    client = Client()
    first = client.post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD}, follow=True)
    assert first.status_code == 200
    assert "管理员已于 2026年11月22日 重置您的密码" in first.text
    assert "管理员已于" not in client.get(reverse("home")).text
    client.post(reverse("logout"))
    second = client.post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD}, follow=True)
    assert second.status_code == 200
    assert "管理员已于" not in second.text


def test_the_admin_action_resets_several_accounts_after_confirming(admin_client, world):
    changelist = reverse("admin:portal_user_changelist")
    chosen = [world.cadre.pk, world.cadre2.pk]
    selection = {"action": "issue_one_time_resets", ACTION_CHECKBOX_NAME: chosen, "index": 0}
    confirm = admin_client.post(changelist, selection)
    assert _codes(confirm) == []
    assert "alice" in confirm.text
    assert "bob" in confirm.text
    assert can_log_in("alice", PASSWORD)  # nothing happens before confirming
    issued = admin_client.post(
        changelist, {"action": "issue_one_time_resets", ACTION_CHECKBOX_NAME: chosen, "confirmed": "yes"}
    )
    codes = dict(zip(["alice", "bob"], _codes(issued), strict=True))
    assert not can_log_in("bob", PASSWORD)
    assert can_log_in("carol", PASSWORD)
    for username, code in codes.items():
        assert complete(Client(), username, code).status_code == 302
        assert can_log_in(username, NEW_PASSWORD)


def test_only_administrators_issue_resets(world):
    reviewer = Client()
    reviewer.force_login(world.county_reviewer)
    url = reverse("admin:portal_user_one_time_reset", args=[world.cadre.pk])
    response = reviewer.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert can_log_in("alice", PASSWORD)


# ---------------------------------------------------------------------------- audit log


def _entries_about(model):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model)).order_by("pk")


def _everything_logged() -> str:
    from auditlog.models import LogEntry

    return repr(list(LogEntry.objects.values()))


def test_an_admin_edit_of_a_department_is_audited_and_readable_in_the_admin(admin_client, world):
    from portal.models import Department

    assert not _entries_about(Department).exists()  # fixtures written outside a request are not
    response = admin_client.post(
        reverse("admin:portal_department_change", args=[world.dept_county.pk]),
        {
            "code": "KC-OFFICE",
            "name": "柯城区委办公室（减负办）",
            "level": "county",
            "parent": "",
            "region": world.county.pk,
        },
    )
    assert response.status_code == 302
    (entry,) = _entries_about(Department)
    assert entry.actor == world.admin
    assert entry.object_pk == str(world.dept_county.pk)
    assert entry.changes_dict == {"name": ["柯城区委办公室", "柯城区委办公室（减负办）"]}
    log = admin_client.get(reverse("admin:auditlog_logentry_changelist"))
    assert log.status_code == 200
    assert "grace" in log.text
    assert "名称" in log.text
    detail = admin_client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert "柯城区委办公室（减负办）" in detail.text


def test_admin_actions_on_accounts_are_audited_without_passwords_or_codes(admin_client, world):
    password_before = world.cadre.password
    response = admin_client.post(
        reverse("admin:portal_user_change", args=[world.cadre.pk]),
        {
            "username": "alice",
            "display_name": "阿丽",
            "role": Role.CADRE,
            "region": world.township.pk,
            "department": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    code = issue_reset(admin_client, world.cadre)
    (added_code,) = _codes(
        admin_client.post(
            reverse("admin:portal_user_add"),
            {"username": "zoe", "display_name": "zoe", "role": Role.CADRE, "region": world.village.pk},
        )
    )
    from portal.models import PasswordReset

    update, create = _entries_about(User)
    assert update.actor == world.admin
    assert update.changes_dict == {
        "display_name": ["alice", "阿丽"],
        "region": [str(world.village.pk), str(world.township.pk)],
    }
    assert create.object_repr == "zoe"
    assert create.actor == world.admin
    assert "password" not in create.changes_dict
    issued = list(_entries_about(PasswordReset))
    assert [(e.actor, set(e.changes_dict)) for e in issued] == [(world.admin, {"user", "expires_at"})] * 2
    everything = _everything_logged()
    zoe = User.objects.get(username="zoe")
    for secret in [password_before, _row(world.cadre)["password"], zoe.password, code, added_code]:
        assert secret not in everything
    assert "password" not in everything, everything
    assert "last_login" not in everything
    for reset in PasswordReset.objects.all():
        assert reset.code_hash not in everything


def test_audit_entries_cannot_be_added_changed_or_deleted_through_the_admin(admin_client, world):
    from auditlog.models import LogEntry

    admin_client.post(
        reverse("admin:portal_dataitem_change", args=[world.item.pk]), {"code": "DI-POP", "name": "户籍人口"}
    )
    (entry,) = LogEntry.objects.all()
    before = _everything_logged()
    assert world.admin.is_superuser
    assert admin_client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert admin_client.post(change, {"object_repr": "forged", "changes_text": "x"}).status_code == 403
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:auditlog_logentry_changelist")
    assert "delete_selected" not in admin_client.get(changelist).text
    admin_client.post(
        changelist, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [entry.pk], "post": "yes", "index": 0}
    )
    assert _everything_logged() == before
    # Accounts, whose entries the log points at, are deactivated rather than deleted.
    user_delete = reverse("admin:portal_user_delete", args=[world.admin.pk])
    assert admin_client.post(user_delete, {"post": "yes"}).status_code == 403
    assert _everything_logged() == before


def test_the_audit_log_records_nothing_a_cadre_does(admin_client, world, frozen):
    from auditlog.models import LogEntry

    code = issue_reset(admin_client, world.cadre)
    after_issue = LogEntry.objects.count()
    assert after_issue == 1
    cadre = Client()
    assert complete(cadre, "alice", code).status_code == 302
    assert complete(cadre, "alice", "WRNG-WRNG-WRNG").status_code == 200
    assert cadre.post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD}).status_code == 302
    key = token_login("alice", NEW_PASSWORD).json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    filed = api.post("/api/v1/entries/", world.entry_data(hours=2.5), content_type="application/json")
    assert filed.status_code == 201, filed.content
    assert api.post("/api/v1/weeks/2026-W47/submit/").status_code == 200
    assert cadre.get(reverse("home")).status_code == 200
    assert LogEntry.objects.count() == after_issue


def test_operator_account_imports_are_audited_as_the_operator(world, tmp_path):
    import io

    from auditlog.models import LogEntry
    from django.core.management import call_command

    csv = tmp_path / "users.csv"
    csv.write_text(
        "username,password,display_name,role,region_code,department_code\n"
        f"zoe,,佐伊,cadre,{world.village.code},\n",
        encoding="utf-8",
    )
    call_command("import_users", str(csv), stdout=io.StringIO())
    (entry,) = LogEntry.objects.all()
    assert entry.actor is None
    assert entry.additional_data == {"command": "import_users"}
    assert entry.object_repr == "佐伊"
    assert entry.changes_dict["username"] == ["None", "zoe"]
    assert "password" not in entry.changes_dict
