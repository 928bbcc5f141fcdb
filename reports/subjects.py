"""The subject of an aggregate answer (a county, a city or province, a department), looked up and
scope-checked the same way for the stats API, the exports and the dashboards: unknown is 404,
outside the reader's scope (portal.policy) is 403. Each also gives the counties the answer reads,
whose data version keys its cache."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from portal import policy
from portal.models import Department, Region, RegionLevel


def county_in_scope(user, code) -> Region:
    county = Region.objects.filter(code=code, level=RegionLevel.COUNTY).select_related("parent").first()
    if county is None:
        raise Http404
    if not policy.can_view_county(user, county):
        raise PermissionDenied(_("This county is outside your scope."))
    return county


def region_in_scope(user, code) -> tuple[Region, list[int]]:
    """A city or province the reader may compare, and the ids of the counties below it."""
    return _city_or_province(code, lambda region: policy.can_compare_region(user, region))


def league_in_scope(user, code) -> tuple[Region, list[int]]:
    """A city or province whose league table the reader may open, and the counties below it."""
    return _city_or_province(code, lambda region: policy.can_read_league(user, region))


def _city_or_province(code, allowed) -> tuple[Region, list[int]]:
    region = Region.objects.filter(code=code, level__in=[RegionLevel.CITY, RegionLevel.PROVINCE]).first()
    if region is None:
        raise Http404
    if not allowed(region):
        raise PermissionDenied(_("This region is outside your scope."))
    return region, list(Region.objects.below(region).counties().values_list("pk", flat=True))


def department_in_scope(user, raw_id: str):
    """A department (by id, ASCII digits) and the counties over which the reader may see it."""
    # isdigit() alone accepts "²" and other Unicode digits that int() refuses.
    is_id = raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18
    department = Department.objects.filter(pk=int(raw_id)).first() if is_id else None
    if department is None:
        raise Http404
    counties = policy.department_scope(user, department)
    if counties is None:
        raise PermissionDenied(_("This department is outside your scope."))
    return department, counties
