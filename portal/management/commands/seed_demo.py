import time

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal import demo, demo_bulk
from portal.importers import ImportFailed
from portal.models import Region, Role


class Command(BaseCommand):
    help = (
        "Load a realistic demo province (regions, departments, apps, data items, accounts and 12 weeks "
        "of entries) through the import and write functions. Deterministic with --seed; a second run "
        "adds nothing. --entries N instead adds N submitted entries in one week, fast, for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed of the burden")
        parser.add_argument(
            "--password",
            default=demo.DEFAULT_PASSWORD,
            help="password of every demo account (demo only; default %(default)s)",
        )
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="full")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if the database already has regions"
        )
        parser.add_argument("--entries", type=int, metavar="N", help="add N entries fast (benchmarks)")
        parser.add_argument("--week", help="week of the --entries rows, e.g. 2026-W47 (default: this week)")
        parser.add_argument(
            "--cadres",
            type=int,
            metavar="K",
            help="spread --entries over K cadres (default: one per 50 entries; benchmark cadres are "
            "created when the demo has too few)",
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Region.objects.exists():
            self.stdout.write(_("The database already has regions: the demo was not loaded."))
            return
        password = options["password"]
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(_("--password: %(reason)s") % {"reason": " ".join(exc.messages)}) from None
        if options["cadres"] is not None and options["cadres"] < 1:
            raise CommandError(_("--cadres must be at least 1."))
        started = time.monotonic()
        try:
            if options["entries"] is not None:
                self._bulk(options, password)
            else:
                self._demo(options, password)
        except ImportFailed as exc:  # only if the demo itself is wrong; name every row anyway
            raise CommandError("\n".join(exc.errors)) from None
        except demo_bulk.BulkError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("Done in %(seconds).1f s.") % {"seconds": time.monotonic() - started})

    def _demo(self, options, password):
        result = demo.seed(seed=options["seed"], password=password, scale=options["scale"])
        self.stdout.write(
            _(
                "Demo province loaded: %(entries)d entries created, %(submitted)d weeks submitted, "
                "%(skipped)d cadre-weeks already present and left alone."
            )
            % {
                "entries": result.created_entries,
                "submitted": result.submitted_logs,
                "skipped": result.skipped_weeks,
            }
        )
        self._logins(options["scale"], password)

    def _bulk(self, options, password):
        # The demo's cadres and townships carry the rows; load them first (an upsert, so cheap).
        demo.load_province(demo.build_province(demo.SCALES[options["scale"]]), password)
        result = demo_bulk.generate_bulk(
            options["entries"], week=options["week"], seed=options["seed"], cadres=options["cadres"]
        )
        self.stdout.write(
            _(
                "Added %(entries)d submitted entries in %(week)s for %(cadres)d cadres (%(new)d benchmark "
                "cadres created) on %(backend)s; %(county_weeks)d county-weeks marked for rollup."
            )
            % {
                "entries": result.entries,
                "week": result.week,
                "cadres": result.cadres,
                "new": result.new_cadres,
                "backend": result.backend,
                "county_weeks": result.county_weeks,
            }
        )

    def _logins(self, scale, password):
        province = demo.build_province(demo.SCALES[scale])
        self.stdout.write(
            _("Demo logins (demo only, password for every account: %(password)s):") % {"password": password}
        )
        for role, username in province.logins.items():
            self.stdout.write(f"  {Role(role).label:<12} {username}")
