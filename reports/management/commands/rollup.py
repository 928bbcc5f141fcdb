"""manage.py rollup [--all | --county CODE --week 2026-W47 | --dirty]: the Celery jobs, in process."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from portal import weeks
from portal.models import Region, RegionLevel
from reports import jobs


class Command(BaseCommand):
    help = "Roll up submitted weeks into the derived tables, in this process (no worker needed)."

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--all", action="store_true", help="every county, every week")
        scope.add_argument("--county", metavar="CODE", help="one county (with --week: one county-week)")
        scope.add_argument("--dirty", action="store_true", help="only the county-weeks marked dirty")
        parser.add_argument("--week", metavar="2026-W47", help="with --county: only this ISO week")

    def handle(self, *args, **options):
        if options["week"] and not options["county"]:
            raise CommandError(_("--week needs --county."))
        if options["all"]:
            self._all()
        elif options["dirty"]:
            done = jobs.drain_dirty()
            self.stdout.write(_("Rolled up %(n)d dirty county-weeks.") % {"n": done})
        else:
            self._county(options["county"], options["week"])
        # Whatever was marked dirty meanwhile (e.g. while the broker was down) is done too.
        if not options["dirty"]:
            jobs.drain_dirty()

    def _all(self):
        ids = jobs.county_ids()
        bar = tqdm(total=len(ids), unit="county", disable=not sys.stderr.isatty(), file=sys.stderr)
        with bar:
            jobs.rollup_all(progress=lambda done, total: bar.update(1))
        self.stdout.write(_("Rolled up %(n)d counties.") % {"n": len(ids)})

    def _county(self, code, week):
        county = Region.objects.filter(code=code, level=RegionLevel.COUNTY).first()
        if county is None:
            raise CommandError(_("No county with code %(code)s.") % {"code": code})
        if week is None:
            jobs.rollup_county(county.pk)
            self.stdout.write(_("Rolled up every week of %(county)s.") % {"county": county})
            return
        if not weeks.is_week(week):
            raise CommandError(_("Not a valid ISO week such as 2026-W47: %(week)s") % {"week": week})
        jobs.rollup_county_week(county.pk, week)
        self.stdout.write(_("Rolled up %(county)s, %(week)s.") % {"county": county, "week": week})
