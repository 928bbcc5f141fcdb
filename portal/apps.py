from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Filing")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal import accounts, audit

        # The holder of an account learns of a one-time reset at their next login (rule 4).
        user_logged_in.connect(accounts.show_reset_notices, dispatch_uid="portal_reset_notices")
        audit.register()
