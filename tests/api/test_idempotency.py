import datetime as dt
import http.client
import json
import threading
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from portal.api.idempotency import fingerprint, purge_expired
from portal.models import Entry, IdempotencyRecord
from tests.api.conftest import client_for
from tests.conftest import World, on_postgres

BULK = "/api/v1/entries/bulk/"
ENTRIES = "/api/v1/entries/"


def bulk_body(w, n=3, **overrides):
    rows = [w.entry_data(**{"hours": 1, "title": f"item {i}", **overrides}) for i in range(n)]
    return {"entries": rows}


def test_the_same_key_and_body_replays_the_answer_and_creates_nothing(w, cadre_api):
    body = bulk_body(w)
    first = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    again = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Entry.objects.count() == 3


def test_key_order_in_the_body_does_not_matter(w, cadre_api):
    data = w.entry_data(hours=1)
    reordered = dict(reversed(list(data.items())))
    first = cadre_api.post(ENTRIES, data, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = cadre_api.post(ENTRIES, reordered, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Entry.objects.count() == 1


def test_a_rejected_request_is_replayed_too(w, cadre_api):
    body = bulk_body(w, hours=30)
    first = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert first.status_code == 400
    again = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert (again.status_code, again.json()) == (400, first.json())


def test_the_same_key_with_another_body_or_path_is_422(w, cadre_api):
    assert cadre_api.post(BULK, bulk_body(w), format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    other = cadre_api.post(BULK, bulk_body(w, n=2), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 422
    assert "detail" in other.json()
    single = cadre_api.post(ENTRIES, w.entry_data(hours=1), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert single.status_code == 422
    assert Entry.objects.count() == 3


def test_keys_are_per_user(w, cadre_api):
    body = bulk_body(w)
    assert cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    bob = client_for(w.cadre2)
    assert bob.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert Entry.objects.filter(log__cadre=w.cadre2).count() == 3


def test_a_request_still_in_flight_answers_409(w, cadre_api):
    body = bulk_body(w)
    IdempotencyRecord.objects.create(
        user=w.cadre, key="busy", method="POST", path=BULK, fingerprint=fingerprint("POST", BULK, body)
    )
    answer = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert answer.status_code == 409
    assert not Entry.objects.exists()


def test_a_stale_claim_of_a_dead_request_is_taken_over(w, cadre_api):
    body = bulk_body(w)
    record = IdempotencyRecord.objects.create(
        user=w.cadre, key="dead", method="POST", path=BULK, fingerprint=fingerprint("POST", BULK, body)
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    answer = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="dead")
    assert answer.status_code == 201
    assert Entry.objects.count() == 3


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_400(w, cadre_api, key):
    answer = cadre_api.post(BULK, bulk_body(w), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert answer.status_code == 400
    assert list(answer.json()) == ["Idempotency-Key"]
    assert not Entry.objects.exists()


def test_bad_json_claims_no_key(w, cadre_api):
    answer = cadre_api.post(BULK, b"{oops", content_type="application/json", HTTP_IDEMPOTENCY_KEY="j")
    assert answer.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert cadre_api.post(BULK, bulk_body(w), format="json", HTTP_IDEMPOTENCY_KEY="j").status_code == 201


def test_records_are_kept_7_days_then_purged(w, cadre_api, capsys):
    cadre_api.post(BULK, bulk_body(w), format="json", HTTP_IDEMPOTENCY_KEY="old")
    cadre_api.post(BULK, bulk_body(w, n=1), format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(days=7, hours=1)
    )
    IdempotencyRecord.objects.filter(key="new").update(
        created_at=timezone.now() - dt.timedelta(days=6, hours=23)
    )
    assert purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
    call_command("purge_idempotency")
    assert "Deleted 1 " in capsys.readouterr().out
    assert not IdempotencyRecord.objects.exists()


# ---------------------------------------------------------------------------- real concurrency


@pytest.fixture
def live_world(transactional_db, need_postgres):
    world = World()
    world.token = Token.objects.create(user=world.cadre).key
    return world


def _post(base_url, path, body, token, key):
    url = urlparse(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    connection.request(
        "POST",
        path,
        body=json.dumps(body),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    response = connection.getresponse()
    answer = (response.status, json.loads(response.read() or b"null"))
    connection.close()
    return answer


def test_twenty_concurrent_retries_create_the_batch_exactly_once(live_server, live_world):
    """20 threads post the same bulk request with one key against the live server at once."""
    w = live_world
    body = bulk_body(w, n=50, hours=0.25)
    barrier = threading.Barrier(20)
    answers = []

    def client():
        barrier.wait()
        answers.append(_post(live_server.url, BULK, body, w.token, "retry-1"))

    threads = [threading.Thread(target=client) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in answers)
    assert len(statuses) == 20
    assert set(statuses) <= {201, 409}, statuses
    created = [data for status, data in answers if status == 201]
    assert created and all(data == created[0] for data in created)
    assert created[0]["created"] == 50
    assert Entry.objects.count() == 50
    assert sorted(Entry.objects.values_list("pk", flat=True)) == sorted(created[0]["ids"])

    # Once the first finished, a retry is a replay; the same key with another body is 422.
    assert _post(live_server.url, BULK, body, w.token, "retry-1") == (201, created[0])
    assert _post(live_server.url, BULK, bulk_body(w, n=2), w.token, "retry-1")[0] == 422
    assert Entry.objects.count() == 50


def test_beat_purges_expired_records_daily(w, cadre_api):
    from django.conf import settings

    from portal.tasks import purge_idempotency_records

    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["portal.tasks.purge_idempotency_records"] <= 24 * 3600
    cadre_api.post(BULK, bulk_body(w, n=1), format="json", HTTP_IDEMPOTENCY_KEY="stale")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
    assert purge_idempotency_records.apply().get() == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_key_held_by_a_live_request_is_409_and_free_once_its_connection_dies(need_postgres):
    import psycopg2

    from tests.reports import processes

    w = World()
    cadre_api = client_for(w.cadre)
    body = bulk_body(w)
    # Another worker's request: its claim committed an hour ago, and its transaction still holds
    # the claim's row lock (a request that runs that long is unusual, but it is running).
    table = IdempotencyRecord._meta.db_table
    other = psycopg2.connect(processes.test_database_url())
    with other.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, key, method, path, fingerprint, created_at)"
            " VALUES (%s, 'crash', 'POST', %s, %s, now() - interval '1 hour') RETURNING id",
            [w.cadre.pk, BULK, fingerprint("POST", BULK, body)],
        )
        (record_id,) = cursor.fetchone()
        other.commit()
        cursor.execute(
            f"SELECT id FROM {IdempotencyRecord._meta.db_table} WHERE id = %s FOR UPDATE", [record_id]
        )
        answer = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="crash")
        assert answer.status_code == 409
        assert not Entry.objects.exists()
    # The worker is killed: its connection closes, its transaction and lock are gone.
    other.close()
    answer = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="crash")
    assert answer.status_code == 201
    assert Entry.objects.count() == 3
    replay = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="crash")
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")


def test_an_unheld_claim_is_taken_over_within_seconds_not_minutes(w, cadre_api):
    from portal.api import idempotency

    body = bulk_body(w)
    record = IdempotencyRecord.objects.create(
        user=w.cadre, key="dead", method="POST", path=BULK, fingerprint=fingerprint("POST", BULK, body)
    )
    # Without row locks (SQLite) the lease decides; with them, the short grace.
    wait = idempotency.LEASE if not on_postgres() else idempotency.CLAIM_GRACE
    assert wait <= dt.timedelta(minutes=1)
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - wait - dt.timedelta(seconds=1)
    )
    answer = cadre_api.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="dead")
    assert answer.status_code == 201
