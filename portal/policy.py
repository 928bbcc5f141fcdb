"""Who may do and see what: the one place pages, the API and exports ask.

DESIGN.md "Roles and what each may see". Raw entries are only ever a cadre's own; everything
above the cadre is an aggregate, scoped here and protected by reports.protection.
"""

from portal.models import Department, Region, RegionLevel, Role


def can_file(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.CADRE and user.region_id is not None)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.role == Role.ADMIN or user.is_superuser))


def can_see_rollup_runs(user) -> bool:
    """The status rows of rollup runs (reports.run_views): administrators only. They hold county
    codes and error messages, never a figure or an identity."""
    return is_admin(user)


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


def can_set_target(user, county) -> bool:
    """The county target for hours per cadre per week: that county's burden-reduction office."""
    return bool(
        user
        and user.is_authenticated
        and user.role == Role.COUNTY_REVIEWER
        and county is not None
        and user.region_id == county.pk
    )


def can_compare_region(user, region) -> bool:
    """County comparison below a city or province: region reviewers within their region, admins."""
    if region.level not in (RegionLevel.CITY, RegionLevel.PROVINCE):
        return False
    if is_admin(user):
        return True
    if user.is_authenticated and user.role == Role.REGION_REVIEWER and user.region is not None:
        return region.pk == user.region.pk or Region.objects.below(user.region).filter(pk=region.pk).exists()
    return False


def league_region(department: Department) -> Region | None:
    """The region whose league table ranks a department: its own region if a city or province,
    the city above a county (a county office is ranked among its city's departments)."""
    region = department.region
    if region is not None and region.level == RegionLevel.COUNTY:
        return region.parent
    return region if region is not None and region.level in (RegionLevel.CITY, RegionLevel.PROVINCE) else None


def can_read_league(user, region) -> bool:
    """The annual league table: whoever may compare the region's counties, and a department
    viewer for its department's league region and the regions above it (to see its own rank
    among its peers; every figure there is a protected aggregate)."""
    if can_compare_region(user, region):
        return True
    if not (user and user.is_authenticated and user.role == Role.DEPARTMENT_VIEWER and user.department_id):
        return False
    home = league_region(user.department)
    while home is not None:
        if home.pk == region.pk:
            return True
        home = home.parent
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
        if department.pk == user.department_id:  # their own: no need to walk the divisions
            return Region.objects.counties()
        own = Department.objects.with_divisions(user.department)
        return Region.objects.counties() if own.filter(pk=department.pk).exists() else None
    if user.role == Role.REGION_REVIEWER:
        return visible_counties(user)
    if user.role in (Role.CADRE, Role.COUNTY_REVIEWER):
        # Their own county's departments answer, one department at a time (dashboard links).
        return visible_counties(user)
    return None


# ---------------------------------------------------------------------------- problem reports
# DESIGN.md "Problem reports". Nobody's identity decides anything here except the reader's own:
# a cadre is matched to a report only through their keyed hash (problems.anonymity).


class Audience:
    """How a reader stands to one problem report; problems.present decides what each sees."""

    AUTHOR = "author"  # wrote it: original text, every step, messages, rating
    COSIGNER = "cosigner"  # co-signed it (附议): follows it, may rate
    NEIGHBOUR = "neighbour"  # a cadre of the county: reads a routed report, may co-sign
    OFFICE = "office"  # the county's burden-reduction office: triage, route, verify, messages
    REGION = "region"  # a region reviewer above the county: reads routed reports
    DEPARTMENT = "department"  # a department it was routed to (or a parent of one): answers


def problem_role(user) -> str | None:
    """Which side of the channel the user works on, or None: such a user may not use it at all
    (403). Administrators have no side: they see the tables read-only in the Django admin."""
    if not user or not user.is_authenticated:
        return None
    if can_file(user):
        return "cadre"
    if user.role == Role.COUNTY_REVIEWER and user.region_id is not None:
        return "office"
    if user.role == Role.REGION_REVIEWER and user.region_id is not None:
        return "region"
    if user.role == Role.DEPARTMENT_VIEWER and user.department_id is not None:
        return "department"
    return None


def problems_visible(user, reports):
    """The reports of queryset `reports` the user may open (others are 404 to them)."""
    from problems import anonymity  # portal's models load first; problems builds on them

    role = problem_role(user)
    if role == "cadre":
        county = home_county(user)
        mine = reports.followed_by(anonymity.person_key(user))
        routed_here = reports.filter(county=county).ever_routed() if county else reports.none()
        return reports.filter(pk__in=mine.values("pk")) | routed_here
    if role == "office":
        return reports.filter(county_id=user.region_id)
    if role == "region":
        return reports.filter(county__in=visible_counties(user)).ever_routed()
    if role == "department":
        return reports.routed_to(Department.objects.with_divisions(user.department))
    return reports.none()


def problem_audience(user, report) -> str | None:
    """The reader's standing towards one report, or None if they may not open it."""
    from problems import anonymity

    role = problem_role(user)
    if role == "cadre":
        key = anonymity.person_key(user)
        if report.author_key == key:
            return Audience.AUTHOR
        if report.cosigns.filter(signer_key=key).exists():
            return Audience.COSIGNER
        county = home_county(user)
        if county is not None and report.county_id == county.pk and report.ever_routed:
            return Audience.NEIGHBOUR
        return None
    if role == "office":
        return Audience.OFFICE if report.county_id == user.region_id else None
    if role == "region":
        in_scope = visible_counties(user).filter(pk=report.county_id).exists()
        return Audience.REGION if in_scope and report.ever_routed else None
    if role == "department":
        own = Department.objects.with_divisions(user.department)
        return Audience.DEPARTMENT if report.assignments.filter(department__in=own).exists() else None
    return None


def can_answer_for(user, department) -> bool:
    """A department viewer answers for their department and its divisions."""
    if problem_role(user) != "department":
        return False
    return Department.objects.with_divisions(user.department).filter(pk=department.pk).exists()
