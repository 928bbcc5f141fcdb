from django.dispatch import Signal

# Sent after commit when a submitted county-week changed; reports enqueues its rollup.
# Arguments: county_id, week.
county_week_changed = Signal()
