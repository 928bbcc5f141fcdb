from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # Connects the receivers that enqueue rollups when portal marks a county-week dirty.
        from reports import signals  # noqa: F401
