from django.db import migrations
from django.utils import timezone


def mark_every_county_week_stale(apps, schema_editor):
    """0008's department-profile columns start at 0 on rows written before them: mark every
    county-week with a submitted log stale, so beat (or `manage.py rollup`) fills them in."""
    WeeklyLog = apps.get_model("portal", "WeeklyLog")
    DirtyCountyWeek = apps.get_model("portal", "DirtyCountyWeek")
    pairs = WeeklyLog.objects.filter(status="submitted").values_list("county_id", "week").distinct()
    now = timezone.now()
    DirtyCountyWeek.objects.bulk_create(
        [DirtyCountyWeek(county_id=county, week=week, marked_at=now) for county, week in pairs],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0008_department_profile"), ("portal", "0004_passwordreset")]

    operations = [migrations.RunPython(mark_every_county_week_stale, migrations.RunPython.noop)]
