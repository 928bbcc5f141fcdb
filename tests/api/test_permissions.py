"""Every API route × every role, generated from the URLconf.

`api_routes()` walks the whole URLconf for routes under /api/ (including the stats routes in
reports/api/urls.py), so a route added anywhere without a row in EXPECTED fails
`test_every_api_route_has_a_row`. To add a route: add one EXPECTED row per HTTP method, and if its
path has arguments that KWARGS does not build the right way, a ROUTE_KWARGS entry.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal import services
from portal.models import Entry
from tests.api.conftest import client_for
from tests.conftest import PASSWORD

ROLES = ("cadre", "county_reviewer", "region_reviewer", "department_viewer", "admin", "anonymous")

# (URL name, method): expected status for
#   cadre, county_reviewer, region_reviewer, department_viewer, admin, anonymous
EXPECTED = {
    ("api:schema", "GET"): (200, 200, 200, 200, 200, 200),
    ("api:docs", "GET"): (200, 200, 200, 200, 200, 200),
    ("api:token", "POST"): (200, 200, 200, 200, 200, 200),
    ("api:region-list", "GET"): (200, 200, 200, 200, 200, 401),
    ("api:department-list", "GET"): (200, 200, 200, 200, 200, 401),
    ("api:app-list", "GET"): (200, 200, 200, 200, 200, 401),
    ("api:data-item-list", "GET"): (200, 200, 200, 200, 200, 401),
    ("api:entry-list", "GET"): (200, 403, 403, 403, 403, 401),
    ("api:entry-list", "POST"): (201, 403, 403, 403, 403, 401),
    ("api:entry-bulk", "POST"): (201, 403, 403, 403, 403, 401),
    ("api:entry-detail", "GET"): (200, 403, 403, 403, 403, 401),
    ("api:entry-detail", "PATCH"): (200, 403, 403, 403, 403, 401),
    ("api:entry-detail", "DELETE"): (204, 403, 403, 403, 403, 401),
    ("api:week-detail", "GET"): (200, 403, 403, 403, 403, 401),
    ("api:week-submit", "POST"): (200, 403, 403, 403, 403, 401),
    ("api-stats:county-weeks", "GET"): (200, 200, 200, 403, 200, 401),
    ("api-stats:county-townships", "GET"): (200, 200, 200, 403, 200, 401),
    ("api-stats:county-departments", "GET"): (200, 200, 200, 403, 200, 401),
    ("api-stats:region-counties", "GET"): (403, 403, 200, 403, 200, 401),
    ("api-stats:department-counties", "GET"): (403, 403, 200, 200, 200, 401),
    # county-weeks.csv without ?county=: a cadre's or county reviewer's own county; others must name one
    ("api-stats:export", "GET"): (200, 200, 400, 403, 400, 401),
    # The direct channel: the cadre files and reads their own; the office, the region reviewer and the
    # department read those in scope (the report below is routed to frank's department); admins use
    # the read-only Django admin instead.
    ("api-problems:problem-list", "GET"): (200, 200, 200, 200, 403, 401),
    ("api-problems:problem-list", "POST"): (201, 403, 403, 403, 403, 401),
    ("api-problems:problem-detail", "GET"): (200, 200, 200, 200, 403, 401),
}

# Path arguments by URL keyword, built from the World; `entry` is the cadre's own entry.
KWARGS = {
    "pk": lambda w, entry: entry.pk,
    "week": lambda w, entry: "2026-W47",
    "code": lambda w, entry: w.county.code,
    "id": lambda w, entry: w.dept_province.pk,
}
# Per-route path arguments where KWARGS by keyword does not fit: URL name -> f(w, entry) -> dict.
ROUTE_KWARGS = {
    "api-stats:region-counties": lambda w, entry: {"code": w.city.code},
    "api-stats:export": lambda w, entry: {"dataset": "county-weeks", "fmt": "csv"},
    "api-problems:problem-detail": lambda w, entry: {"id": _routed_report(w).pk},
}


def _routed_report(w):
    """alice's report, routed by her county office to frank's department."""
    from problems import services as problems

    report = problems.report_file(
        cadre=w.cadre,
        data={
            "departments": [w.dept_province.pk],
            "pattern": "other",
            "summary": "matrix",
            "details": "matrix",
        },
    )
    return problems.report_route(reviewer=w.county_reviewer, report=report, departments=[w.dept_province.pk])


# Request bodies by (URL name, method); other writes send none.
BODIES = {
    ("api:token", "POST"): lambda w: {"username": "alice", "password": PASSWORD},
    ("api:entry-list", "POST"): lambda w: w.entry_data(hours=1.5, title="matrix"),
    ("api:entry-bulk", "POST"): lambda w: {"entries": [w.entry_data(hours=1.5, title="matrix")]},
    ("api:entry-detail", "PATCH"): lambda w: {"title": "renamed"},
    ("api-problems:problem-list", "POST"): lambda w: {
        "departments": [w.dept_province.pk],
        "pattern": "meeting_flood",
        "summary": "matrix",
        "details": "matrix",
    },
}

JUNK_QUERY = "?week=junk&kind=party&department=abc&limit=-1&offset=x&period=junk&level=moon"
JUNK_BODY = {"entries": "junk", "hours": "many", "departments": [-1], "username": 5}


def _methods(callback):
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(method.upper() for method in actions)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return ["GET"]  # a plain function view
    allowed = [m for m in ("get", "post", "put", "patch", "delete") if m in cls.http_method_names]
    return sorted(m.upper() for m in allowed if hasattr(cls, m))


def api_routes():
    """[(URL name, route, methods, path keywords)] of every URL under /api/ in the URLconf."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, prefix + str(pattern.pattern).lstrip("^"), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern).lstrip("^")
                if route.startswith("api/"):
                    name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else None
                    keywords = sorted(pattern.pattern.regex.groupindex)
                    found.append((name, route, _methods(pattern.callback), keywords))

    walk(get_resolver().url_patterns, "", "")
    return found


ROUTES = {name: (route, keywords) for name, route, _, keywords in api_routes()}
WALKED = {(name, method) for name, _, methods, _ in api_routes() for method in methods}


def test_every_api_route_has_a_row():
    unnamed = [route for name, route, _, _ in api_routes() if name is None]
    assert not unnamed, f"give these API routes a name: {unnamed}"
    missing = sorted(WALKED - set(EXPECTED))
    assert not missing, f"add rows to EXPECTED in {__file__} for: {missing}"


def test_every_row_names_an_existing_route():
    assert not sorted(set(EXPECTED) - WALKED)


def test_the_walk_sees_the_filing_routes():
    assert ("api:entry-bulk", "POST") in WALKED
    assert ROUTES["api:entry-detail"][1] == ["pk"]


def _client(w, role):
    return client_for(None if role == "anonymous" else getattr(w, role))


def _url(w, name, entry):
    route_kwargs = ROUTE_KWARGS.get(name)
    if route_kwargs:
        kwargs = route_kwargs(w, entry)
    else:
        kwargs = {key: KWARGS[key](w, entry) for key in ROUTES[name][1]}
    return reverse(name, kwargs=kwargs)


def _send(client, method, url, body):
    return (
        getattr(client, method.lower())(url, body, format="json")
        if body is not None
        else getattr(client, method.lower())(url)
    )


@pytest.mark.parametrize(("name", "method"), sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_status_by_route_method_and_role(w, name, method, role):
    expected = EXPECTED[(name, method)][ROLES.index(role)]
    entry = services.entry_create(cadre=w.cadre, data=w.entry_data())
    url = _url(w, name, entry)
    body_of = BODIES.get((name, method))
    answer = _send(_client(w, role), method, url, body_of(w) if body_of else None)
    assert answer.status_code == expected, (role, method, url, answer.content[:300])
    if expected in (401, 403):
        # Permission comes before validation: junk parameters get the same answer.
        junk = _send(_client(w, role), method, url + JUNK_QUERY, JUNK_BODY if method != "GET" else None)
        assert junk.status_code == expected, (role, method, url, junk.content[:300])
        if name.startswith("api:entry"):
            assert Entry.objects.count() == 1  # and nothing was written
        if name == "api-problems:problem-list":
            from problems.models import Report

            assert Report.objects.count() == 0


# ---------------------------------------------------------------------------- foreign ids


def test_another_cadres_entry_in_the_path_is_404_and_untouched(w):
    mine = services.entry_create(cadre=w.cadre, data=w.entry_data())
    theirs = services.entry_create(cadre=w.other_cadre, data=w.entry_data(title="carol's"))
    client = client_for(w.cadre)
    url = reverse("api:entry-detail", kwargs={"pk": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.patch(url, {"title": "mine"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert Entry.objects.get(pk=theirs.pk).title == "carol's"
    assert client.get(reverse("api:entry-detail", kwargs={"pk": mine.pk})).status_code == 200


def test_foreign_ids_in_a_body_are_400_not_500(w):
    client = client_for(w.cadre)
    theirs = services.entry_create(cadre=w.other_cadre, data=w.entry_data())
    for field, value in [
        ("departments", [999_999]),
        ("departments", [2**63 - 1]),
        ("app", theirs.pk + 999_999),
        ("data_items", [999_999]),
    ]:
        data = w.entry_data("app_task", hours=1, **{field: value})
        answer = client.post(reverse("api:entry-list"), data, format="json")
        assert answer.status_code == 400, (field, value)
        assert field in answer.json()
        bulk = client.post(reverse("api:entry-bulk"), {"entries": [data]}, format="json")
        assert bulk.status_code == 400
        assert field in bulk.json()["entries"]["0"]
    # Entries are not references: an id of someone else's entry in a PATCH body changes nothing of theirs.
    mine = services.entry_create(cadre=w.cadre, data=w.entry_data())
    answer = client.patch(
        reverse("api:entry-detail", kwargs={"pk": mine.pk}), {"id": theirs.pk, "title": "x"}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["id"] == mine.pk
    assert Entry.objects.get(pk=theirs.pk).title == w.entry_data()["title"]


@pytest.mark.parametrize(
    "query",
    ["department={other}", "department=999999", "department=-5", "week=2026-W47&kind=app_task", "search=x"],
)
def test_filters_never_reveal_another_cadres_entries(w, query):
    services.entry_create(cadre=w.other_cadre, data=w.entry_data(departments=[w.dept_city.pk]))
    answer = client_for(w.cadre).get(reverse("api:entry-list") + "?" + query.format(other=w.dept_city.pk))
    assert answer.status_code in (200, 400), answer.content
    if answer.status_code == 200:
        assert answer.json()["results"] == []


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("api:region-list", "level=moon"),
        ("api:region-list", "limit=0"),
        ("api:region-list", "search=%00"),
        ("api:department-list", "search=" + "x" * 101),
        ("api:app-list", "offset=abc"),
        ("api:data-item-list", "limit=1001"),
    ],
)
def test_junk_reference_filters_are_400(w, name, query):
    assert client_for(w.county_reviewer).get(reverse(name) + "?" + query).status_code == 400
