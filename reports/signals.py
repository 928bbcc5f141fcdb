"""Receivers for portal's signals: a changed county-week is rolled up at once, after commit.

portal sends county_week_changed from transaction.on_commit, after the dirty mark is stored. If
the broker is down the enqueue fails fast (settings: 2 s connect timeout, no publish retry) and is
only logged: the cadre's request succeeds and the mark waits for beat or `manage.py rollup`.
"""

import logging

from django.dispatch import receiver

from portal.signals import county_week_changed

logger = logging.getLogger(__name__)


@receiver(county_week_changed, dispatch_uid="reports.enqueue_rollup")
def enqueue_rollup(sender, county_id, week, **kwargs):
    from reports.tasks import rollup_dirty_week

    try:
        rollup_dirty_week.apply_async((county_id, week), retry=False)
    except Exception:  # broker down, or an eager run failing: never break the writer
        logger.warning(
            "could not enqueue the rollup of county %s week %s; the dirty mark waits",
            county_id,
            week,
            exc_info=True,
        )
