from celery import shared_task

from portal.api import idempotency


@shared_task(ignore_result=True)
def purge_idempotency_records() -> int:
    """Daily: drop Idempotency-Key answers past their 7-day keep."""
    return idempotency.purge_expired()
