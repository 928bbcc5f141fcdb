"""Who may do and see what: the one place pages, the API and exports ask.

DESIGN.md "Roles and what each may see". Raw entries are only ever a cadre's own; everything
above the cadre is an aggregate, scoped here and protected by reports.protection.
"""

from portal.models import Department, Region, RegionLevel, Role


def can_file(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.CADRE and user.region_id is not None)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.role == Role.ADMIN or user.is_superuser))


def home_county(user) -> Region | None:
    """The county a cadre or county reviewer belongs to."""
    if not user.is_authenticated or user.region is None:
        return None
    if user.role in (Role.CADRE, Role.COUNTY_REVIEWER):
        return user.region.ancestor(RegionLevel.COUNTY)
    return None


def visible_counties(user):
    """Counties whose aggregates (weeks, townships, departments answers) the user may read."""
    counties = Region.objects.counties()
    if not user or not user.is_authenticated:
        return counties.none()
    if is_admin(user):
        return counties
    if user.role in (Role.CADRE, Role.COUNTY_REVIEWER):
        county = home_county(user)
        return counties.filter(pk=county.pk) if county else counties.none()
    if user.role == Role.REGION_REVIEWER and user.region is not None:
        return Region.objects.below(user.region).filter(level=RegionLevel.COUNTY)
    return counties.none()


def can_view_county(user, county) -> bool:
    """Whether `county` is among visible_counties(user); asked on every stats request, so it
    answers from the ids it already has where it can instead of querying the whole scope."""
    if county.level != RegionLevel.COUNTY or not user or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    if user.role == Role.COUNTY_REVIEWER:
        return user.region_id == county.pk
    if user.role == Role.CADRE:
        home = home_county(user)
        return home is not None and home.pk == county.pk
    if user.role == Role.REGION_REVIEWER and user.region_id is not None:
        # A county's ancestors are its city and that city's province.
        if county.parent_id == user.region_id:
            return True
        return Region.objects.filter(pk=county.parent_id, parent_id=user.region_id).exists()
    return False


def can_compare_region(user, region) -> bool:
    """County comparison below a city or province: region reviewers within their region, admins."""
    if region.level not in (RegionLevel.CITY, RegionLevel.PROVINCE):
        return False
    if is_admin(user):
        return True
    if user.is_authenticated and user.role == Role.REGION_REVIEWER and user.region is not None:
        return region.pk == user.region.pk or Region.objects.below(user.region).filter(pk=region.pk).exists()
    return False


def department_scope(user, department: Department):
    """Counties over which the user may read this department's footprint, or None if forbidden.

    A department viewer sees their own department (and its divisions) in every county; a region
    reviewer sees any department within the counties of their region; a county reviewer or cadre
    within their own county; an admin sees all.
    """
    if not user or not user.is_authenticated:
        return None
    if is_admin(user):
        return Region.objects.counties()
    if user.role == Role.DEPARTMENT_VIEWER and user.department_id is not None:
        own = Department.objects.with_divisions(user.department)
        return Region.objects.counties() if own.filter(pk=department.pk).exists() else None
    if user.role == Role.REGION_REVIEWER:
        return visible_counties(user)
    if user.role in (Role.CADRE, Role.COUNTY_REVIEWER):
        # Their own county's departments answer, one department at a time (dashboard links).
        return visible_counties(user)
    return None
