"""Celery tasks of the direct channel: thin wrappers over problems.services."""

from celery import shared_task

from problems import services


@shared_task(ignore_result=True)
def recompute_overdue() -> int:
    """Celery beat, daily just after midnight (Asia/Shanghai): flag routings past their deadline."""
    return services.recompute_overdue()
