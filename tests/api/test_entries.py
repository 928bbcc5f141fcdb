import datetime as dt

import pytest
from rest_framework.authtoken.models import Token

from portal import services
from portal.api import views
from portal.models import DirtyCountyWeek, Entry, LogStatus, WeeklyLog
from tests.api.conftest import client_for
from tests.conftest import PASSWORD


def payload(w, kind="meeting", **overrides):
    """An entry as a JSON client sends it (hours as a number)."""
    return w.entry_data(kind, **{"hours": 2.5, **overrides})


def test_it_exchanges_a_password_for_a_token(w):
    answer = client_for().post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json() == {"token": Token.objects.get(user=w.cadre).key}
    wrong = client_for().post("/api/v1/auth/token/", {"username": "alice", "password": "x"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json() == {"non_field_errors": ["Unable to log in with the given username and password."]}


def test_it_throttles_login_attempts(w, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    limit = int(rates["login"].split("/")[0])
    client = client_for()
    codes = [
        client.post(
            "/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json"
        ).status_code
        for _ in range(limit + 1)
    ]
    assert codes == [400] * limit + [429]


def test_without_credentials_it_answers_401_with_a_challenge(w):
    answer = client_for().get("/api/v1/entries/")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"


def test_session_authentication_works_too(w):
    client = client_for()
    client.force_login(w.cadre)
    assert client.get("/api/v1/entries/").status_code == 200


@pytest.mark.parametrize("kind", ["meeting", "document", "inspection", "app_task"])
def test_an_entry_round_trips_as_one_flat_object(w, cadre_api, kind):
    answer = cadre_api.post("/api/v1/entries/", payload(w, kind), format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["week"] == "2026-W47"
    assert body["hours"] == 2.5
    assert body["departments"] == [w.dept_province.pk]
    assert body["kind"] == kind
    # Fields of other kinds are present and null.
    others = {
        "meeting": "doc_channel",
        "document": "meeting_format",
        "inspection": "app",
        "app_task": "pages",
    }
    assert body[others[kind]] is None
    if kind == "app_task":
        assert body["data_items"] == [w.item.pk]
    else:
        assert body["data_items"] is None
    assert cadre_api.get(f"/api/v1/entries/{body['id']}/").json() == body


def test_it_answers_field_errors_in_the_requested_language(w, cadre_api):
    bad = payload(w, hours=30, meeting_format=None)
    english = cadre_api.post("/api/v1/entries/", bad, format="json")
    assert english.status_code == 400
    assert english.json() == {
        "hours": ["Hours must be more than 0 and at most 24."],
        "meeting_format": ["This field is required."],
    }
    chinese = cadre_api.post("/api/v1/entries/", bad, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.json()["hours"] == ["耗时必须大于 0 且不超过 24 小时。"]
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hours", "2.5"),
        ("hours", True),
        ("departments", ["1"]),
        ("departments", 5),
        ("title", 12),
        ("title", "a\x00b"),
        ("occurred_on", "20261118"),
        ("relayed", "yes"),
        ("pages", 1.5),
        ("app", "3"),
    ],
)
def test_wrong_json_types_are_field_errors(w, cadre_api, field, value):
    answer = cadre_api.post("/api/v1/entries/", payload(w, **{field: value}), format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == [field]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"null", b'{"hours": NaN}'],
)
def test_malformed_bodies_are_400(w, cadre_api, body):
    for url in ["/api/v1/entries/", "/api/v1/entries/bulk/"]:
        answer = cadre_api.post(url, body, content_type="application/json")
        assert answer.status_code == 400, (url, body, answer.content)


def test_a_foreign_or_unknown_department_is_a_400(w, cadre_api):
    answer = cadre_api.post("/api/v1/entries/", payload(w, departments=[10**6, 2**63 - 1]), format="json")
    assert answer.status_code == 400
    assert "departments" in answer.json()
    huge = cadre_api.post("/api/v1/entries/", payload(w, departments=[2**70]), format="json")
    assert huge.status_code == 400


def test_patch_moves_an_entry_to_another_week_and_marks_both_dirty(w, cadre_api):
    entry_id = cadre_api.post("/api/v1/entries/", payload(w), format="json").json()["id"]
    services.week_submit(cadre=w.cadre, week="2026-W47")
    answer = cadre_api.patch(f"/api/v1/entries/{entry_id}/", {"occurred_on": "2026-11-10"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["week"] == "2026-W46"
    assert WeeklyLog.objects.get(cadre=w.cadre, week="2026-W46").status == LogStatus.DRAFT
    assert WeeklyLog.objects.get(cadre=w.cadre, week="2026-W47").amended
    assert DirtyCountyWeek.objects.filter(week="2026-W47").exists()


def test_patch_switching_kind_needs_the_new_kinds_fields(w, cadre_api):
    entry_id = cadre_api.post("/api/v1/entries/", payload(w), format="json").json()["id"]
    answer = cadre_api.patch(f"/api/v1/entries/{entry_id}/", {"kind": "document"}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"doc_channel": ["This field is required."]}
    answer = cadre_api.patch(
        f"/api/v1/entries/{entry_id}/", {"kind": "document", "doc_channel": "oral"}, format="json"
    )
    assert answer.status_code == 200
    assert (answer.json()["meeting_format"], answer.json()["pages"]) == (None, 0)


def test_delete_removes_the_entry(w, cadre_api):
    entry_id = cadre_api.post("/api/v1/entries/", payload(w), format="json").json()["id"]
    assert cadre_api.delete(f"/api/v1/entries/{entry_id}/").status_code == 204
    assert cadre_api.get(f"/api/v1/entries/{entry_id}/").status_code == 404


def test_another_cadres_entry_is_404_for_every_method(w, cadre_api):
    foreign = services.entry_create(cadre=w.other_cadre, data=w.entry_data())
    url = f"/api/v1/entries/{foreign.pk}/"
    assert cadre_api.get(url).status_code == 404
    assert cadre_api.patch(url, {"title": "mine now"}, format="json").status_code == 404
    assert cadre_api.delete(url).status_code == 404
    assert Entry.objects.get(pk=foreign.pk).title == w.entry_data()["title"]
    for junk in ["abc", "0", "-1", str(2**64), "1.5"]:
        assert cadre_api.get(f"/api/v1/entries/{junk}/").status_code == 404


def test_list_filters_through_the_shared_filterset(w, cadre_api):
    cadre_api.post("/api/v1/entries/", payload(w), format="json")
    cadre_api.post("/api/v1/entries/", payload(w, "document", occurred_on="2026-11-10"), format="json")
    cadre_api.post(
        "/api/v1/entries/", payload(w, "inspection", departments=[w.dept_city.pk], title="x"), format="json"
    )
    services.entry_create(cadre=w.other_cadre, data=w.entry_data())

    def kinds(query):
        answer = cadre_api.get(f"/api/v1/entries/?{query}")
        assert answer.status_code == 200, answer.json()
        return sorted(e["kind"] for e in answer.json()["results"])

    assert kinds("") == ["document", "inspection", "meeting"]
    assert kinds("week=2026-W47") == ["inspection", "meeting"]
    assert kinds("week=2026-W47&kind=meeting") == ["meeting"]
    assert kinds(f"department={w.dept_city.pk}") == ["inspection"]
    assert kinds("week=2026-W40") == []
    assert cadre_api.get("/api/v1/entries/?limit=1").json()["count"] == 3


@pytest.mark.parametrize(
    "query",
    [
        "week=2026-W99",
        "week=junk",
        "kind=party",
        "department=abc",
        f"department={2**70}",
        "department=999999",
        "limit=0",
        "limit=abc",
        "offset=-1",
        "week=%00",
    ],
)
def test_junk_filters_are_400_never_500(w, cadre_api, query):
    answer = cadre_api.get(f"/api/v1/entries/?{query}")
    assert answer.status_code == 400, answer.content


def test_bulk_creates_all_or_none_with_errors_by_index(w, cadre_api):
    rows = [payload(w, occurred_on=f"2026-11-{day:02d}", hours=1) for day in range(16, 23)]
    rows[3] = payload(w, hours=0)
    rows[5] = payload(w, departments=[999999])
    answer = cadre_api.post("/api/v1/entries/bulk/", {"entries": rows}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {
        "entries": {
            "3": {"hours": ["Hours must be more than 0 and at most 24."]},
            "5": {"departments": ["Unknown department: 999999."]},
        }
    }
    assert not Entry.objects.exists()
    rows[3], rows[5] = payload(w, hours=1), payload(w, hours=1, occurred_on="2026-11-17")
    answer = cadre_api.post("/api/v1/entries/bulk/", {"entries": rows}, format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert body["created"] == 7
    assert sorted(body["ids"]) == sorted(Entry.objects.values_list("pk", flat=True))


def test_bulk_enforces_the_daily_total_across_the_batch(w, cadre_api):
    rows = [payload(w, hours=10) for _ in range(3)]
    answer = cadre_api.post("/api/v1/entries/bulk/", {"entries": rows}, format="json")
    assert answer.status_code == 400
    assert list(answer.json()["entries"]) == ["2"]


def test_bulk_type_errors_are_keyed_by_index(w, cadre_api):
    rows = [payload(w), payload(w, hours="1"), "not an object"]
    answer = cadre_api.post("/api/v1/entries/bulk/", {"entries": rows}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {
        "entries": {
            "1": {"hours": ["Must be a number."]},
            "2": {"non_field_errors": ["Expected a JSON object."]},
        }
    }


@pytest.mark.parametrize("entries", [[], None, "x", {"0": {}}])
def test_bulk_needs_a_list_of_1_to_1000(w, cadre_api, entries):
    answer = cadre_api.post("/api/v1/entries/bulk/", {"entries": entries}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"entries": ["Send a list of 1 to 1000 entries."]}


def test_bulk_refuses_more_than_1000(w, cadre_api):
    answer = cadre_api.post("/api/v1/entries/bulk/", {"entries": [payload(w)] * 1001}, format="json")
    assert answer.status_code == 400


def test_a_week_with_no_log_reads_as_an_empty_draft_and_creates_nothing(w, cadre_api):
    answer = cadre_api.get("/api/v1/weeks/2026-W40/")
    assert answer.status_code == 200
    assert answer.json() == {"week": "2026-W40", "status": "draft", "submitted_at": None, "entries": []}
    assert not WeeklyLog.objects.exists()


def test_submit_then_read_back_and_submit_again_is_a_no_op(w, cadre_api):
    created = cadre_api.post("/api/v1/entries/", payload(w), format="json").json()
    first = cadre_api.post("/api/v1/weeks/2026-W47/submit/")
    assert first.status_code == 200
    assert first.json()["status"] == "submitted"
    assert first.json()["entries"] == [created]
    assert dt.datetime.fromisoformat(first.json()["submitted_at"]).year == 2026
    again = cadre_api.post("/api/v1/weeks/2026-W47/submit/")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert cadre_api.get("/api/v1/weeks/2026-W47/").json() == first.json()


def test_an_empty_week_may_be_submitted(w, cadre_api):
    answer = cadre_api.post("/api/v1/weeks/2026-W46/submit/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "submitted"
    assert answer.json()["entries"] == []


@pytest.mark.parametrize("week", ["2026-W48", "2025-W53", "2026-w47", "junk", "2026-W00"])
def test_bad_or_future_weeks_are_400(w, cadre_api, week):
    answer = cadre_api.post(f"/api/v1/weeks/{week}/submit/")
    assert answer.status_code == 400
    assert list(answer.json()) == ["week"]
    if week != "2026-W48":
        assert cadre_api.get(f"/api/v1/weeks/{week}/").status_code == 400


def test_reading_a_week_needs_few_queries(w, cadre_api, django_assert_max_num_queries):
    rows = [payload(w, "app_task", hours=0.5) for _ in range(40)]
    cadre_api.post("/api/v1/entries/bulk/", {"entries": rows}, format="json")
    with django_assert_max_num_queries(8):
        answer = cadre_api.get("/api/v1/weeks/2026-W47/")
    assert len(answer.json()["entries"]) == 40


def test_an_entry_deleted_meanwhile_is_404_not_500(w, cadre_api, monkeypatch):
    entry_id = cadre_api.post("/api/v1/entries/", payload(w), format="json").json()["id"]
    real_get_object = views.EntryViewSet.get_object

    def get_then_lose(view):
        entry = real_get_object(view)
        Entry.objects.filter(pk=entry.pk).delete()  # a concurrent DELETE wins the race
        return entry

    monkeypatch.setattr(views.EntryViewSet, "get_object", get_then_lose)
    assert cadre_api.delete(f"/api/v1/entries/{entry_id}/").status_code == 404
    entry_id = cadre_api.post("/api/v1/entries/", payload(w), format="json").json()["id"]
    assert cadre_api.patch(f"/api/v1/entries/{entry_id}/", {"title": "x"}, format="json").status_code == 404
