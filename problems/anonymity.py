"""How the channel knows an author without storing who they are.

A person (author, co-signer, rater) is stored only as `person_key(user)`: HMAC-SHA256 of their user
id under BURDEN_PROBLEM_KEY, or, when that is not set, under a key derived from SECRET_KEY with a
salt used for nothing else. The key never leaves the server: not served, logged or exported, so
nobody using the portal (administrators included) can test a user id against a stored hash.
Whoever holds both the database and the key can (docs/privacy.md, "What remains").

Where a report came from is shown as its county, its township only if the township has at least
BURDEN_MIN_GROUP cadres, and its ISO week.
"""

import hashlib
import hmac

from django.conf import settings
from django.db.models import Count, Q

from portal.models import Region, RegionLevel, Role, User

_SALT = b"burden-portal/problems/person-key/v1"


def _key() -> bytes:
    if settings.BURDEN_PROBLEM_KEY:
        return settings.BURDEN_PROBLEM_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), _SALT, hashlib.sha256).digest()


def person_key(user) -> str:
    return hmac.new(_key(), f"person:{user.pk}".encode(), hashlib.sha256).hexdigest()


def township_of(user) -> Region | None:
    return user.region.ancestor(RegionLevel.TOWNSHIP) if user.region_id else None


def townships_shown(township_ids) -> set[int]:
    """The townships among `township_ids` with at least BURDEN_MIN_GROUP active cadres (in the
    township itself or its villages): only those are named beside a report."""
    ids = {pk for pk in township_ids if pk is not None}
    if not ids:
        return set()
    villages = dict(
        Region.objects.filter(parent_id__in=ids, level=RegionLevel.VILLAGE).values_list("pk", "parent_id")
    )
    counts = dict.fromkeys(ids, 0)
    cadres = (
        User.objects.filter(role=Role.CADRE, is_active=True)
        .filter(Q(region_id__in=ids) | Q(region_id__in=list(villages)))
        .values("region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in cadres:
        township = row["region_id"] if row["region_id"] in ids else villages[row["region_id"]]
        counts[township] += row["n"]
    return {pk for pk, n in counts.items() if n >= settings.BURDEN_MIN_GROUP}
