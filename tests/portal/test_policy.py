import pytest

from portal import policy
from portal.models import Region, RegionLevel, Role, User


@pytest.fixture
def readers(world):
    w = world
    other_city = Region.objects.create(
        code="331100", name="丽水市", level=RegionLevel.CITY, parent=w.province
    )
    far = Region.objects.create(code="331102", name="莲都区", level=RegionLevel.COUNTY, parent=other_city)
    province_reviewer = User.objects.create(username="p", role=Role.REGION_REVIEWER, region=w.province)
    other_city_reviewer = User.objects.create(username="oc", role=Role.REGION_REVIEWER, region=other_city)
    users = [
        w.cadre,
        w.cadre2,
        w.other_cadre,
        w.county_reviewer,
        w.region_reviewer,
        w.department_viewer,
        w.admin,
        province_reviewer,
        other_city_reviewer,
    ]
    return w, users, [w.county, w.other_county, far]


def test_the_quick_county_check_agrees_with_the_visible_counties(readers):
    _w, users, counties = readers
    for user in users:
        visible = set(policy.visible_counties(user).values_list("pk", flat=True))
        for county in counties:
            assert policy.can_view_county(user, county) == (county.pk in visible), (user, county)


def test_only_counties_are_viewed_as_counties(readers):
    w, users, _ = readers
    for user in users:
        assert not policy.can_view_county(user, w.township)
        assert not policy.can_view_county(user, w.city)


def test_who_sees_which_county(readers):
    w, _, _ = readers
    assert policy.can_view_county(w.cadre, w.county)  # a village cadre: its township's county
    assert not policy.can_view_county(w.cadre, w.other_county)
    assert not policy.can_view_county(w.department_viewer, w.county)
    assert policy.can_view_county(w.region_reviewer, w.other_county)
