from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules

from apps.accounts.demo import DEMO_STAFF
from carecoord import demo


class Command(BaseCommand):
    help = "Load the demo teams, staff, children and families. Safe to run again: nothing is duplicated."

    def handle(self, *args: Any, **options: Any) -> None:
        autodiscover_modules("demo")  # each app's demo.py registers its step with carecoord.demo
        results = demo.run_all()
        staff, patients = results["accounts"], results["patients"]
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {len(staff)} staff, {len(patients)} children.")
        )
        self.stdout.write("Demo logins (demo only; password from CARECOORD_DEMO_PASSWORD):")
        self.stdout.write(f"  password: {settings.DEMO_PASSWORD}")
        for email, name, _role, _teams, title in DEMO_STAFF:
            self.stdout.write(f"  staff   {email:<38} {name} – {title}")
        self.stdout.write(
            "  family  family@carecoord.example (parent of Maya Patel) – log in at /portal/login/"
        )
