import os
import pathlib
import re
import subprocess
import sys

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from tests.api.conftest import client_for
from tests.conftest import World

SCHEMATHESIS = pathlib.Path(sys.executable).with_name("schemathesis")


def test_the_schema_is_public_valid_openapi_3_with_typed_enums(db):
    answer = client_for().get("/api/schema/?format=json")
    assert answer.status_code == 200
    schema = answer.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    components = schema["components"]["schemas"]
    assert components["KindEnum"]["enum"] == ["meeting", "document", "inspection", "app_task"]
    entry = components["Entry"]["properties"]
    assert entry["hours"]["type"] == "number"
    assert entry["departments"]["items"]["type"] == "integer"
    assert entry["doc_channel"]["nullable"] is True
    untyped = [
        f"{name}.{field}"
        for name, component in components.items()
        for field, prop in component.get("properties", {}).items()
        if not ({"type", "$ref", "oneOf", "allOf"} & set(prop))
    ]
    assert not untyped
    for path in ["/api/v1/entries/bulk/", "/api/v1/weeks/{week}/submit/", "/api/v1/auth/token/"]:
        assert path in schema["paths"]


def test_the_docs_page_loads_its_assets_from_our_own_static_files(db):
    answer = client_for().get("/api/docs/")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "no CDN"
    assets = re.findall(r"""["'](/static/drf_spectacular_sidecar/[^"']+)["']""", page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        served = client_for().get(asset)
        assert served.status_code == 200, asset
        b"".join(served.streaming_content) if served.streaming else served.content


@pytest.fixture
def cadre_token(transactional_db):
    world = World()
    return Token.objects.create(user=world.cadre).key


def test_schemathesis_finds_no_failure_as_a_cadre(live_server, cadre_token, tmp_path):
    """Every operation of the live schema, positive and negative data: no 5xx, every documented
    answer matches its schema, and data violating the schema is rejected."""
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {cadre_token}",
        "--checks",
        "not_a_server_error,response_schema_conformance,negative_data_rejection",
        "--mode",
        "all",
        "--max-examples",
        os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"),
        "--seed",
        "20261122",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
