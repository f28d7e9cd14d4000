from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts import demo as accounts_demo
from apps.messaging import demo as messaging_demo
from apps.ops import demo as ops_demo
from apps.pathways import demo as pathways_demo
from apps.patients import demo as patients_demo
from apps.referrals import demo as referrals_demo
from apps.scheduling import demo as scheduling_demo


class Command(BaseCommand):
    help = "Load the demo teams, staff, children and families. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        ops_demo.seed()
        staff = accounts_demo.seed()
        patients = patients_demo.seed(staff)
        pathways_demo.seed(staff, patients)
        referrals_demo.seed(staff, patients)
        scheduling_demo.seed(staff, patients)
        messaging_demo.seed(staff, patients)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {len(staff)} staff, {len(patients)} children.")
        )
        self.stdout.write("Demo logins (demo only; password from CARECOORD_DEMO_PASSWORD):")
        self.stdout.write(f"  password: {settings.DEMO_PASSWORD}")
        for email, name, _role, _teams, title in accounts_demo.DEMO_STAFF:
            self.stdout.write(f"  staff   {email:<38} {name} – {title}")
        self.stdout.write(
            "  family  family@carecoord.example (parent of Maya Patel) – log in at /portal/login/"
        )
