from django.core.management.base import BaseCommand

from portal.api.idempotency import KEEP, purge_expired


class Command(BaseCommand):
    help = f"Delete stored Idempotency-Key answers older than {KEEP.days} days (run daily)."

    def handle(self, *args, **options):
        deleted = purge_expired()
        self.stdout.write(f"Deleted {deleted} idempotency records older than {KEEP.days} days.")
