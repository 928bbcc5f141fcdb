"""Idempotency-Key for POST requests (draft-ietf-httpapi-idempotency-key-header).

A key is claimed by inserting its IdempotencyRecord in a transaction of its own: the unique
(user, key) constraint lets exactly one of several concurrent duplicates through, and the others
see the committed claim at once instead of waiting on it. The request's writes and the stored
answer are then committed together, so a crash leaves either both or neither: a claim without an
answer and without writes can safely be taken over.

Telling a request still running from one that died: the running request holds its claim's row
lock (SELECT ... FOR UPDATE) in the transaction that does its work. PostgreSQL drops that lock the
moment the transaction ends, and a worker killed mid-request takes its connection, and so its
transaction, with it. So a claim nobody holds is abandoned as soon as it is older than CLAIM_GRACE
(the instant between committing the claim and taking the lock); a held one answers 409 for as
long as its request runs. Without row locks (SQLite, the embedded development database) a claim is
abandoned once older than LEASE.
"""

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from portal.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_MAX = 255
# Keys are kept at least this long (DESIGN.md: at least 7 days).
KEEP = dt.timedelta(days=7)
# PostgreSQL: an unlocked claim at least this old was left by a request that died.
CLAIM_GRACE = dt.timedelta(seconds=10)
# Without row locks: a claim unanswered this long belongs to a request that died (gunicorn kills
# a worker after 30 s).
LEASE = dt.timedelta(seconds=60)


def _error(status, message):
    return Response({"detail": message}, status=status)


def fingerprint(method: str, path: str, data) -> str:
    """Digest of a request: the same method, path and JSON body (whatever its key order) match."""
    # ASCII escapes: a lone surrogate from a JSON "\ud800" must digest, not raise.
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, cls=JSONEncoder)
    digest = hashlib.sha256()
    for part in (method, path, body):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _replay(record) -> Response:
    response = Response(json.loads(bytes(record.body)), status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(user, key, method, path, digest):
    """Insert the claim; return (record, None) if it is ours, else (None, answer)."""
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user, key=key, method=method, path=path, fingerprint=digest
            )
        return record, None
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is None:  # purged between our insert and this read: just try again
        return _claim(user, key, method, path, digest)
    if record.fingerprint != digest:
        return None, _error(422, _("This Idempotency-Key was already used with a different request."))
    if record.completed_at is not None:
        return None, _replay(record)
    if _take_over(record):
        return record, None
    record.refresh_from_db()
    if record.completed_at is not None:
        return None, _replay(record)
    return None, _in_flight()


def _in_flight() -> Response:
    return _error(409, _("A request with this Idempotency-Key is still being processed; retry later."))


def _take_over(record) -> bool:
    """Make an abandoned, unanswered claim ours (a new created_at marks it); False if its request
    may still be running."""
    now = timezone.now()
    if not connection.features.has_select_for_update_skip_locked:
        taken = IdempotencyRecord.objects.filter(
            pk=record.pk, completed_at__isnull=True, created_at__lt=now - LEASE
        ).update(created_at=now)
        record.created_at = now
        return bool(taken)
    with transaction.atomic():
        # Skips the row if a running request holds it; otherwise locks it until this commits.
        free = (
            IdempotencyRecord.objects.select_for_update(skip_locked=True)
            .filter(pk=record.pk, completed_at__isnull=True, created_at__lt=now - CLAIM_GRACE)
            .values_list("pk", flat=True)
        )
        if not list(free):
            return False
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=now)
    record.created_at = now
    return True


def _hold(record) -> bool:
    """Lock our claim for the rest of the request's transaction; False if, while this request
    was slow to get here, another took the claim over as abandoned."""
    held = IdempotencyRecord.objects.select_for_update().filter(
        pk=record.pk, created_at=record.created_at, completed_at__isnull=True
    )
    return bool(list(held.values_list("pk", flat=True)))


def idempotent(view, request, handler) -> Response:
    """Run `handler()` (which returns a Response) at most once per user and Idempotency-Key."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not (0 < len(key) <= KEY_MAX and key.isascii() and key.isprintable()):
        message = _("The Idempotency-Key header must be 1 to %(max)d printable ASCII characters.")
        return Response({HEADER: [message % {"max": KEY_MAX}]}, status=400)
    # Reading request.data parses the body first: bad JSON is a 400 and claims nothing.
    digest = fingerprint(request.method, request.path, request.data)
    record, answer = _claim(request.user, key, request.method, request.path, digest)
    if answer is not None:
        return answer
    try:
        with transaction.atomic():
            if not _hold(record):
                return _in_flight()
            try:
                response = handler()
            except Exception as exc:
                response = view.handle_exception(exc)  # re-raises what DRF does not turn into a response
            if response.status_code >= 500:
                raise _Release(response)
            body = json.dumps(response.data, cls=JSONEncoder, ensure_ascii=False).encode()
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code, body=body, completed_at=timezone.now()
            )
        return response
    except _Release as release:
        IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
        return release.response
    except BaseException:
        # A server error is not an answer: free the key so the client's retry can run.
        IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
        raise


class _Release(Exception):
    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


def purge_expired(now=None) -> int:
    """Delete records older than KEEP; return how many. Run daily (manage.py purge_idempotency)."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
