import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Login throttling counts in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


def client_for(user=None) -> APIClient:
    """An API client authenticated with the user's token (anonymous if None), answering in English."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def w(world, frozen):
    return world


@pytest.fixture
def cadre_api(w):
    return client_for(w.cadre)
