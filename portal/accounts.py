"""Account operations: one-time password resets and what a login tells the account holder.

No role sets or learns another account's password or acts as its holder (DESIGN.md reporter
protection, rule 4). An administrator can only issue a one-time reset: it makes the password
unusable and ends every session and API token at once, and its code is shown once to the
administrator, who hands it over out of band; the holder then chooses a new password with it.
The holder is told at their next login, so a reset they did not ask for does not go unnoticed.

Each function owns its transaction; the admin and the reset page only call them.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from rest_framework.authtoken.models import Token
from rest_framework.throttling import BaseThrottle

from portal.models import PasswordReset, ResetStatus, User

RESET_LIFETIME = dt.timedelta(hours=72)
# Wrong codes a reset survives before it is voided. With 60-bit codes, 5 guesses per reset (and the
# reset page's per-client throttle) leave no useful chance of guessing one.
MAX_FAILED_ATTEMPTS = 5
# No 0/O or 1/I: the code is read out or copied by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4

# Django 5.2's Chinese catalogue misses the minimum-length rule's message (its msgid changed to %d),
# so the reset page and import_users would answer it in English; our catalogue carries it, and
# naming it here keeps it there when makemessages runs.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
)


@dataclass(frozen=True)
class IssuedReset:
    user: User
    code: str  # shown once to the administrator; only its hash is stored
    expires_at: dt.datetime


class ResetRefused(Exception):
    """Unknown username, no pending reset, wrong or expired code: one answer for all, so the page
    does not tell which accounts have a reset waiting."""


def client_address(request) -> str:
    """The client's address as login lockouts and API throttles both count it: the TCP peer, or
    with TRUSTED_PROXIES=n the address the n-th proxy from us saw (DRF's NUM_PROXIES rule), so a
    client cannot pick a new address per attempt by writing X-Forwarded-For itself."""
    return BaseThrottle().get_ident(request)


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def _new_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_GROUP_LENGTH)) for _g in range(CODE_GROUPS)
    )
    return "-".join(groups)


def issue_resets(*, users) -> list[IssuedReset]:
    """Issue a one-time reset for each account, voiding any earlier code, and revoke its access.

    The password becomes unusable, which already fails the session auth hash of every session;
    the sessions are deleted too, and the API tokens, so nothing the holder (or anyone who had
    their password) was logged in with survives.
    """
    now = timezone.now()
    issued = []
    with transaction.atomic():
        locked = list(User.objects.select_for_update().filter(pk__in=[u.pk for u in users]).order_by("pk"))
        PasswordReset.objects.filter(user__in=locked, status=ResetStatus.PENDING).update(
            status=ResetStatus.VOIDED, code_hash=""
        )
        for user in locked:
            code = _new_code()
            # Created one by one, not in bulk, so the audit log records each issue.
            PasswordReset.objects.create(
                user=user,
                code_hash=make_password(normalize_code(code)),
                issued_at=now,
                expires_at=now + RESET_LIFETIME,
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            issued.append(IssuedReset(user=user, code=code, expires_at=now + RESET_LIFETIME))
        Token.objects.filter(user__in=locked).delete()
        _end_sessions({user.pk for user in locked})
    return issued


def open_account(user: User) -> IssuedReset:
    """Save a new account with no password and issue its first one-time reset."""
    with transaction.atomic():
        user.set_unusable_password()
        user.save()
        return issue_resets(users=[user])[0]


def _end_sessions(user_ids) -> None:
    """Delete the stored sessions of these users, from the database and the session cache.

    Sessions are not indexed by user, so this reads every live session once per call (a batch of
    resets shares the pass). Resets are rare administrator actions; cache-only or cookie engines
    cannot be listed, and there the changed password's session auth hash alone ends them.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return
    wanted = {str(pk) for pk in user_ids}
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator():
        if store().decode(data).get(SESSION_KEY) in wanted:
            # SessionStore.delete clears the cached_db backend's cache entry as well as the row.
            store(key).delete()


def complete_reset(*, username: str, code: str, new_password: str) -> User:
    """Set a new password with a one-time code; the code is then spent.

    Raises ResetRefused for a wrong, spent, voided or expired code or an unknown username (a wrong
    code counts against the reset, which is voided after MAX_FAILED_ATTEMPTS), and ValidationError
    if the password breaks the password rules (the code stays usable).
    """
    code = normalize_code(code)
    with transaction.atomic():
        reset = (
            PasswordReset.objects.select_for_update()
            .select_related("user")
            .filter(user__username=username, status=ResetStatus.PENDING)
            .first()
        )
        if reset is None:
            # The same hashing work as a real check, so timing does not tell who has a reset.
            make_password(code)
        elif reset.expires_at <= timezone.now():
            reset.status, reset.code_hash = ResetStatus.VOIDED, ""
            reset.save(update_fields=["status", "code_hash"])
        elif not check_password(code, reset.code_hash):
            reset.failed_attempts += 1
            if reset.failed_attempts >= MAX_FAILED_ATTEMPTS:
                reset.status, reset.code_hash = ResetStatus.VOIDED, ""
            reset.save(update_fields=["failed_attempts", "status", "code_hash"])
        else:
            user = reset.user
            validate_password(new_password, user)
            user.set_password(new_password)
            user.save(update_fields=["password"])
            reset.status, reset.code_hash = ResetStatus.COMPLETED, ""
            reset.save(update_fields=["status", "code_hash"])
            return user
    # Outside the transaction: the failed attempt above is committed before refusing.
    raise ResetRefused


def take_login_notices(user: User) -> list[str]:
    """The reset notices the holder has not seen yet, marked seen: each is shown once."""
    with transaction.atomic():
        resets = list(
            PasswordReset.objects.select_for_update()
            .filter(user=user, notice_pending=True)
            .order_by("issued_at", "pk")
        )
        PasswordReset.objects.filter(pk__in=[reset.pk for reset in resets]).update(notice_pending=False)
    return [
        _(
            "An administrator reset your password on %(date)s, which ended every session and API token "
            "you had. If you did not ask for this reset, report it."
        )
        % {"date": date_format(timezone.localtime(reset.issued_at), "DATE_FORMAT")}
        for reset in resets
    ]


def show_reset_notices(sender, request, user, **kwargs):
    """user_logged_in receiver: the reset notices go on the first page after a web or admin login.

    Only requests that can show a message take them (not test logins or API token requests), so a
    notice is never marked seen without being shown.
    """
    if request is None or not hasattr(request, "_messages"):
        return
    for text in take_login_notices(user):
        messages.warning(request, text)
