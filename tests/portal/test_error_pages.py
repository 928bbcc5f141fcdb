"""403 and 404 pages: in the portal's layout (header, language switch, nav), Chinese by default,
English on request (Accept-Language or the language cookie), with a way home."""

import pytest
from django.conf import settings
from django.urls import reverse

from portal import weeks


@pytest.fixture
def reviewer_client(client, world):
    client.force_login(world.county_reviewer)
    return client


def assert_in_the_layout(response, lang):
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert 'class="site-header"' in html
    assert f'action="{reverse("set_language")}"' in html  # the language switch
    assert 'class="main-nav"' in html
    assert f'href="{reverse("home")}"' in html


def test_it_shows_an_unknown_address_as_a_chinese_404_in_the_layout(reviewer_client):
    response = reviewer_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert_in_the_layout(response, "zh-hans")
    html = response.content.decode()
    assert "<h1>找不到页面</h1>" in html
    assert "返回首页" in html
    assert "Resolver404" not in html and "tried" not in html  # no internals


def test_it_shows_a_404_to_anonymous_visitors_too(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "<h1>找不到页面</h1>" in response.content.decode()


def test_a_missing_entry_is_a_404_page_without_the_models_name(client, world):
    client.force_login(world.cadre)
    response = client.get(reverse("entry_edit", kwargs={"pk": 999999}))
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>找不到页面</h1>" in html and "Entry" not in html


def test_the_404_is_english_with_accept_language(reviewer_client):
    response = reviewer_client.get("/no-such-page/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert_in_the_layout(response, "en")
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_the_404_is_english_with_the_language_cookie(reviewer_client):
    reviewer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = reviewer_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_a_county_reviewer_opening_a_cadres_week_gets_the_chinese_403_page(reviewer_client):
    response = reviewer_client.get(reverse("week", kwargs={"week": weeks.current_week()}))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert_in_the_layout(response, "zh-hans")
    html = response.content.decode()
    assert "<h1>你无权打开此页面</h1>" in html
    assert '<p class="form-error" role="alert">只有基层干部可以填报事项。</p>' in html  # the reason
    assert "返回首页" in html


def test_the_403_page_is_english_with_accept_language(reviewer_client):
    url = reverse("week_import")
    response = reviewer_client.get(url, headers={"accept-language": "en"})
    assert response.status_code == 403
    assert_in_the_layout(response, "en")
    html = response.content.decode()
    assert "<h1>You may not open this page</h1>" in html
    assert "Only cadres file entries." in html


def test_a_dashboard_outside_the_readers_scope_is_the_403_page(client, world):
    client.force_login(world.cadre)
    response = client.get(reverse("reports:county", kwargs={"code": world.other_county.code}))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "<h1>你无权打开此页面</h1>" in html and "该县区不在您的查看范围内。" in html
