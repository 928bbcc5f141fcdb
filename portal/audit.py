"""The append-only audit log of administrators' actions on accounts and reference data (rule 4).

django-auditlog records every create, change and delete of the registered models: who, when, from
which address and what changed (old and new values). Two limits keep it from becoming what it
guards against:

- Only administrators' requests are recorded, and the operator's `import_users` command (see
  `operator_command`; `import_reference` writes in bulk, which sends no signals to log). A
  cadre's request never is, nor is anything outside a request or a command, so the log holds no
  trace of when any cadre did anything.
- Password hashes, reset codes and login times are never recorded: the User's password is
  left out (and there is no last_login), a reset is logged as who issued it for whom and until
  when, never its code or what its holder did with it.

Weekly logs, entries and everything else a cadre writes are not registered. The admin shows the
log read-only to administrators (portal/admin.py); nobody can add, change or delete entries there.
"""

import contextlib
import contextvars

from auditlog.context import set_extra_data
from auditlog.middleware import AuditlogMiddleware
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.utils.translation import gettext_noop

from portal.models import App, DataItem, Department, PasswordReset, Region, Role, User

# The request being served, reset when it ends; auditlog's own context outlives the request.
_request = contextvars.ContextVar("portal_audit_request", default=None)
# The management command being run by the operator, if any.
_command = contextvars.ContextVar("portal_audit_command", default=None)

# django-auditlog ships no Chinese; naming its admin labels here keeps their translations in our
# catalogue (makemessages drops what no source names).
AUDITLOG_LABELS = (
    gettext_noop("Audit log"),
    gettext_noop("log entry"),
    gettext_noop("log entries"),
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
    gettext_noop("Field"),
    gettext_noop("From"),
    gettext_noop("To"),
    gettext_noop("Changes"),
    gettext_noop("Resource Type"),
    gettext_noop("Correlation ID"),
    gettext_noop("No field changes"),
    gettext_noop("action"),
    gettext_noop("Resource"),
    gettext_noop("remote address"),
    gettext_noop("Created {repr:s}"),
    gettext_noop("Updated {repr:s}"),
    gettext_noop("Deleted {repr:s}"),
    gettext_noop("Logged {repr:s}"),
)


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (it records the actor and address on each entry), which also marks
    the request being served so that only administrators' requests are logged."""

    def __call__(self, request):
        token = _request.set(request)
        try:
            return super().__call__(request)
        finally:
            _request.reset(token)


@contextlib.contextmanager
def operator_command(name: str):
    """Log what a management command changes, as done by the server operator (no actor)."""
    token = _command.set(name)
    try:
        with set_extra_data({"actor": None, "additional_data": {"command": name}}):
            yield
    finally:
        _command.reset(token)


def _administrators_only(sender, instance, action, **kwargs):
    """pre_log receiver: False (do not log) unless an administrator's request or an operator's
    command made the change."""
    if _command.get() is not None:
        return True
    request = _request.get()
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.role == Role.ADMIN)


def _own_fields(model, exclude=()) -> list[str]:
    # The model's own columns only: auditlog would otherwise list reverse relations too (a user's
    # weekly logs, a region's children) as noise in every creation.
    return [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in exclude]


def register() -> None:
    for model in (Region, Department, App, DataItem):
        auditlog.register(model, include_fields=_own_fields(model))
    auditlog.register(User, include_fields=_own_fields(User, exclude=["password"]))
    # Who issued a reset for whom and until when; not its code hash, nor its status or attempts,
    # which change when the holder acts.
    auditlog.register(PasswordReset, include_fields=["user", "expires_at"])
    pre_log.connect(_administrators_only, dispatch_uid="portal_audit_administrators_only")
