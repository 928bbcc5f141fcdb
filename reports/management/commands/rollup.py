"""manage.py rollup [--all | --county CODE --week 2026-W47 | --dirty]: the Celery jobs, in process."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from portal import weeks
from portal.models import Region, RegionLevel
from reports import jobs, runs
from reports.models import RollupRun


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
            run_id = self._all()
        elif options["dirty"]:
            done = jobs.drain_dirty(triggered_by="manage.py rollup --dirty")
            self.stdout.write(_("Rolled up %(n)d dirty county-weeks.") % {"n": done})
            run_id = None
        else:
            run_id = self._county(options["county"], options["week"])
        # Whatever was marked dirty meanwhile (e.g. while the broker was down) is done too.
        if not options["dirty"]:
            jobs.drain_dirty(triggered_by="manage.py rollup")
        run = RollupRun.objects.filter(pk=run_id).first()
        if run is not None and run.failures:
            # After the run has finished (its row says so): a script calling us sees the failure.
            raise CommandError(
                _("%(n)d of %(total)d counties failed:\n%(notes)s")
                % {"n": run.failures, "total": run.counties_total, "notes": run.failure_notes.strip()}
            )

    def _all(self) -> int:
        ids = jobs.county_ids()
        run_id = runs.start(RollupRun.Kind.COMMAND, len(ids), "manage.py rollup --all")
        bar = tqdm(total=len(ids), unit="county", disable=not sys.stderr.isatty(), file=sys.stderr)
        try:
            with bar:
                jobs.rollup_all(progress=lambda done, total: bar.update(done - bar.n), run_id=run_id)
        finally:
            runs.finish(run_id)
        self.stdout.write(_("Rolled up %(n)d counties.") % {"n": len(ids)})
        return run_id

    def _county(self, code, week) -> int:
        county = Region.objects.filter(code=code, level=RegionLevel.COUNTY).first()
        if county is None:
            raise CommandError(_("No county with code %(code)s.") % {"code": code})
        if week is not None and not weeks.is_week(week):
            raise CommandError(_("Not a valid ISO week such as 2026-W47: %(week)s") % {"week": week})
        command = f"manage.py rollup --county {code}" + (f" --week {week}" if week else "")
        run_id = runs.start(RollupRun.Kind.COMMAND, 1, command)
        try:
            if week is None:
                jobs.rollup_county(county.pk)
            else:
                jobs.rollup_county_week(county.pk, week)
            runs.done(run_id)
        except Exception as error:
            runs.failed(run_id, county.pk, error)
            return run_id  # handle() reports it once the run is finished
        finally:
            runs.finish(run_id)
        if week is None:
            self.stdout.write(_("Rolled up every week of %(county)s.") % {"county": county})
        else:
            self.stdout.write(_("Rolled up %(county)s, %(week)s.") % {"county": county, "week": week})
        return run_id
