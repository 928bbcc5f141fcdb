from django.core.management.base import BaseCommand

from portal.audit import operator_command
from portal.importers import ImportFailed, import_users
from portal.management.commands.import_reference import fail, write_summary


class Command(BaseCommand):
    help = (
        "Create or update accounts from a CSV file "
        "(username,password,display_name,role,region_code,department_code), all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args, **options):
        try:
            with operator_command("import_users"):
                summary = import_users(options["file"])
        except ImportFailed as exc:
            fail(self, exc)
        write_summary(self, summary)
