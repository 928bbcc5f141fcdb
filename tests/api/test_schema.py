import os
import pathlib
import re
import subprocess
import sys

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from portal import entry_spec, weeks
from portal.filters import SEARCH_MAX
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
    """Every operation of the live schema, positive and negative data, with every check: no 5xx,
    every answer's status, content type and body as documented (ST103 ...), data violating the
    schema rejected (ST201) and valid data taken (ST202) except where tests/api/schemathesis.toml
    names a rule no schema can state (unknown ids, fields of another kind, future dates)."""
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(pathlib.Path(__file__).with_name("schemathesis.toml")),
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {cadre_token}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--max-examples",
        os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"),
        "--seed",
        os.environ.get("SCHEMATHESIS_SEED", "20261122"),
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
    assert not re.search(r"\bST(201|202|103)\b", output), output[-20000:]


# ---------------------------------------------------------------------------- schema = server


@pytest.fixture
def schema(db):
    return client_for().get("/api/schema/?format=json").json()


def _resolve(schema, prop):
    """A property's own schema, through $ref / allOf / oneOf (the enum, not NullEnum)."""
    for key in ("allOf", "oneOf"):
        for part in prop.get(key, []):
            found = _resolve(schema, part)
            if found.get("enum") != [None]:
                return found
    if "$ref" in prop:
        return schema["components"]["schemas"][prop["$ref"].rsplit("/", 1)[1]]
    return prop


def test_the_entry_schema_states_every_bound_of_the_entry_spec(schema):
    entry = schema["components"]["schemas"]["Entry"]
    props = entry["properties"]
    assert set(props) == {"id", "week", *entry_spec.NAMES}
    assert sorted(entry["required"]) == sorted(
        ["id", "week", *(s.name for s in entry_spec.FIELDS if s.required and s.kind is None)]
    )
    for spec in entry_spec.FIELDS:
        prop = props[spec.name]
        own = _resolve(schema, prop)
        assert bool(prop.get("nullable")) == spec.nullable, spec.name
        if spec.type == entry_spec.ENUM:
            assert own["enum"] == list(spec.values), spec.name
        elif spec.type == entry_spec.TEXT:
            assert (own["minLength"], own["maxLength"]) == (1, spec.max_length)
        elif spec.type == entry_spec.DATE:
            assert own["pattern"] == entry_spec.DATE_PATTERN and own["format"] == "date"
        elif spec.type == entry_spec.HOURS:
            assert own["minimum"] == spec.minimum and own["exclusiveMinimum"] is True
            assert own["maximum"] == spec.maximum
        elif spec.type in (entry_spec.COUNT, entry_spec.ID):
            assert (own["type"], own["minimum"], own["maximum"]) == ("integer", spec.minimum, spec.maximum)
        elif spec.type == entry_spec.IDS:
            assert own["items"]["minimum"] == spec.minimum and own["items"]["maximum"] == spec.maximum
            assert own.get("minItems", 0) == spec.min_items
        else:
            assert own["type"] == "boolean"
    assert props["title"]["maxLength"] == 200 and props["hours"]["exclusiveMinimum"] is True


def _parameter(schema, path, name, method="get"):
    (found,) = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    return found


def _labels():
    """Week, month, quarter and year labels in and around the portal's years, and junk."""
    years = [0, 999, 1999, *range(weeks.FIRST_YEAR, weeks.LAST_YEAR + 1), weeks.LAST_YEAR + 1, 2999, 9832]
    for year in years:
        yield f"{year:04d}"
        yield from (f"{year:04d}-W{n:02d}" for n in range(0, 55))
        yield from (f"{year:04d}-M{n:02d}" for n in range(0, 14))
        yield from (f"{year:04d}-Q{n}" for n in range(0, 6))
    yield from ["", "2026-W7", "2026-w47", "26-W47", "2026-M1", "2026-Q", "２０２６", "2026-W47 ", "x"]


def _takes(pattern, label):
    # OpenAPI patterns are ECMA-262, unanchored unless written with ^...$; these are anchored.
    return re.search(pattern, label) is not None


def test_the_period_pattern_admits_exactly_the_periods_the_server_takes(schema):
    pattern = _parameter(schema, "/api/v1/stats/counties/{code}/weeks/", "period")["schema"]["pattern"]
    for path in [p for p in schema["paths"] if "/stats/" in p or "/exports/" in p]:
        assert _parameter(schema, path, "period")["schema"]["pattern"] == pattern, path

    def server_takes(label):
        if label == "":
            return True  # missing or empty: the current quarter (DESIGN.md)
        try:
            weeks.parse_period(label)
        except ValueError:
            return False
        return True

    wrong = [label for label in _labels() if _takes(pattern, label) != server_takes(label)]
    assert not wrong
    assert not _takes(pattern, "9832-W42") and not _takes(pattern, "0000-W00")


def test_the_week_patterns_admit_exactly_the_weeks_the_server_takes(schema):
    path_pattern = _parameter(schema, "/api/v1/weeks/{week}/", "week")["schema"]["pattern"]
    filter_pattern = _parameter(schema, "/api/v1/entries/", "week")["schema"]["pattern"]
    for label in _labels():
        assert _takes(path_pattern, label) == weeks.is_week(label), label
        assert _takes(filter_pattern, label) == (label == "" or weeks.is_week(label)), label


def test_the_server_answers_what_the_schema_documents_for_empty_and_long_parameters(w, schema):
    county = f"/api/v1/stats/counties/{w.county.code}/weeks/"
    answer = client_for(w.county_reviewer).get(f"{county}?period=")
    assert answer.status_code == 200 and answer.json()["period"] == weeks.current_quarter().label
    assert _takes(
        _parameter(schema, "/api/v1/stats/counties/{code}/weeks/", "period")["schema"]["pattern"], ""
    )

    level = _parameter(schema, "/api/v1/regions/", "level")["schema"]
    assert "" in level["enum"] and "county" in level["enum"]
    assert client_for(w.cadre).get("/api/v1/regions/?level=").status_code == 200
    assert "" in _parameter(schema, "/api/v1/entries/", "kind")["schema"]["enum"]

    for path in ["/api/v1/regions/", "/api/v1/departments/", "/api/v1/apps/", "/api/v1/data-items/"]:
        search = _parameter(schema, path, "search")["schema"]
        assert search["maxLength"] == SEARCH_MAX
        assert "400" in schema["paths"][path]["get"]["responses"], path
        assert client_for(w.cadre).get(f"{path}?search={'x' * SEARCH_MAX}").status_code == 200
        answer = client_for(w.cadre).get(f"{path}?search={'x' * (SEARCH_MAX + 1)}")
        assert answer.status_code == 400 and "search" in answer.json()


def test_the_exports_document_their_400_403_and_404(w, schema):
    responses = schema["paths"]["/api/v1/exports/{dataset}.{fmt}"]["get"]["responses"]
    for status in ("400", "401", "403", "404"):
        assert "application/json" in responses[status]["content"], status
    client = client_for(w.cadre)
    answer = client.get("/api/v1/exports/region-counties.csv")
    assert answer.status_code == 403 and answer["Content-Type"] == "application/json"
    answer = client.get(f"/api/v1/exports/county-weeks.csv?county={w.county.code}&period=9832-W42")
    assert answer.status_code == 400 and "period" in answer.json()
    department = _parameter(schema, "/api/v1/exports/{dataset}.{fmt}", "department")["schema"]
    assert (department["minimum"], department["maximum"]) == (1, entry_spec.MAX_ID)
    for raw in ["0", "-5", str(entry_spec.MAX_ID + 1), "9" * 5000]:
        answer = client.get(f"/api/v1/exports/county-weeks.csv?county={w.county.code}&department={raw}")
        assert answer.status_code == 400 and "department" in answer.json(), raw
    for url in ["/api/v1/exports/county-weeks.AAA", "/api/v1/exports/AAA.csv"]:
        answer = client.get(url)
        assert answer.status_code == 404 and answer["Content-Type"] == "application/json", url


def test_free_text_parameters_say_that_a_nul_is_refused(w, schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                own = parameter["schema"]
                if parameter["in"] in ("path", "query") and own.get("type") == "string":
                    assert {"pattern", "enum", "format"} & set(own), (method, path, parameter["name"])
                    if "pattern" in own:
                        assert not re.search(own["pattern"], "a\x00b"), (path, parameter["name"])
    assert schema["components"]["schemas"]["Entry"]["properties"]["title"]["pattern"] == "^[^\\u0000]*$"
    assert client_for(w.cadre).get("/api/v1/regions/?search=a%00b").status_code == 400
