from django.core.management.base import BaseCommand, CommandError

from portal.importers import ImportFailed, import_reference


def write_summary(command, summary):
    for kind, counts in summary.items():
        created, updated, unchanged = counts["created"], counts["updated"], counts["unchanged"]
        command.stdout.write(f"{kind}: {created} created, {updated} updated, {unchanged} unchanged")


def fail(command, exc: ImportFailed):
    """Every error to stderr, then a non-zero exit; the import wrote nothing."""
    for error in exc.errors:
        command.stderr.write(error)
    raise CommandError(f"import failed with {len(exc.errors)} error(s); nothing was changed")


class Command(BaseCommand):
    help = "Create or update regions, departments, apps and data items from CSV files, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("--regions", metavar="FILE", help="CSV: code,name,level,parent_code")
        parser.add_argument(
            "--departments", metavar="FILE", help="CSV: code,name,level,parent_code,region_code"
        )
        parser.add_argument("--apps", metavar="FILE", help="CSV: code,name,owner_department_code")
        parser.add_argument("--data-items", metavar="FILE", help="CSV: code,name")

    def handle(self, *args, **options):
        files = {kind: options[kind] for kind in ("regions", "departments", "apps", "data_items")}
        if all(path is None for path in files.values()):
            raise CommandError("give at least one of --regions, --departments, --apps, --data-items")
        try:
            summary = import_reference(**files)
        except ImportFailed as exc:
            fail(self, exc)
        write_summary(self, summary)
