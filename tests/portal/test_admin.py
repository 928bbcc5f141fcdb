"""Django admin: reference data and accounts only, in Chinese, with form errors instead of 500s."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.models import Region, RegionLevel, Role, User


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.mark.parametrize("model", ["region", "department", "app", "dataitem", "user"])
def test_it_lists_and_searches_reference_data_and_users(admin_client, world, model):
    url = reverse(f"admin:portal_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    response = admin_client.get(url, {"q": "浙"})
    assert response.status_code == 200
    assert admin_client.get(reverse(f"admin:portal_{model}_add")).status_code == 200


def test_it_searches_regions_by_code(admin_client, world):
    response = admin_client.get(reverse("admin:portal_region_changelist"), {"q": "330802001"})
    assert "府山街道" in response.text
    assert "樟潭街道" not in response.text


def test_it_filters_users_by_role(admin_client, world):
    response = admin_client.get(reverse("admin:portal_user_changelist"), {"role__exact": Role.CADRE})
    assert response.status_code == 200
    assert "alice" in response.text
    assert "dave" not in response.text


def test_it_labels_in_chinese(admin_client, world):
    response = admin_client.get(reverse("admin:portal_region_changelist"))
    assert "地区" in response.text
    assert "层级" in response.text


def test_it_serves_autocomplete_for_foreign_keys(admin_client, world):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "柯城", "app_label": "portal", "model_name": "user", "field_name": "region"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == [str(world.county)]


def test_it_does_not_expose_logs_or_entries(admin_client, world):
    index = admin_client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "/admin/portal/entry/" not in index.text
    assert "/admin/portal/weeklylog/" not in index.text
    assert admin_client.get("/admin/portal/entry/").status_code == 404
    assert admin_client.get("/admin/portal/weeklylog/").status_code == 404


def test_it_refuses_a_region_at_the_wrong_level_with_a_form_error(admin_client, world):
    response = admin_client.post(
        reverse("admin:portal_region_add"),
        {"code": "330802009", "name": "错层村", "level": RegionLevel.VILLAGE, "parent": world.county.pk},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    assert not Region.objects.filter(code="330802009").exists()


def test_it_refuses_a_cadre_without_a_township_or_village(admin_client, world):
    response = admin_client.post(
        reverse("admin:portal_user_change", args=[world.cadre.pk]),
        {
            "username": "alice",
            "display_name": "alice",
            "role": Role.CADRE,
            "region": world.county.pk,
            "department": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["region"]
    world.cadre.refresh_from_db()
    assert world.cadre.region == world.village


def test_it_makes_only_administrators_staff(admin_client, world):
    response = admin_client.post(
        reverse("admin:portal_user_change", args=[world.county_reviewer.pk]),
        {
            "username": "dave",
            "display_name": "戴夫",
            "role": Role.ADMIN,
            "region": "",
            "department": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    dave = User.objects.get(pk=world.county_reviewer.pk)
    assert (dave.role, dave.is_staff, dave.is_superuser, dave.display_name) == (
        Role.ADMIN,
        True,
        True,
        "戴夫",
    )


def test_it_refuses_non_staff(client, world):
    client.force_login(world.county_reviewer)
    response = client.get(reverse("admin:portal_region_changelist"))
    assert response.status_code == 302


def test_createsuperuser_makes_an_administrator(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "correct-horse-battery")
    call_command("createsuperuser", "--no-input", "--username", "root", "--email", "root@example.com")
    root = User.objects.get(username="root")
    assert (root.role, root.is_staff, root.is_superuser, root.region) == (Role.ADMIN, True, True, None)
