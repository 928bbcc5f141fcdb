"""Reporter protection rule 4: no impersonation, little metadata.

No role sets or learns a cadre's password or acts as a cadre: administrators issue a one-time
reset that the account holder completes. No login time is kept. Administrators' changes to
accounts and reference data go to an append-only audit log that never records cadres' activity.
Everything is driven through public interfaces: /admin/, /reset/, /login/ and the token endpoint.
"""

import pytest
from django.db import connection
from django.urls import reverse

from portal.models import User
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def _row(user) -> dict:
    return User.objects.filter(pk=user.pk).values().get()


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
