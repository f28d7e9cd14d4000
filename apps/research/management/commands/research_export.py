"""Run a research export now, as a named research lead: ``manage.py research_export --scope CODE --as EMAIL``."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.models import User
from apps.research.export import export_build, export_request


class Command(BaseCommand):
    help = "Build a pseudonymised research export for one consent scope, audited as the named person."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scope", required=True, help="The consent scope's code, e.g. demo-oms-registry."
        )
        parser.add_argument("--as", dest="email", required=True, help="The research lead's email address.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(email=options["email"].strip().lower()).first()
        if actor is None:
            raise CommandError(f"No one has the email address {options['email']}.")
        try:
            export = export_request(actor=actor, scope_code=options["scope"], queue=False)
        except (ValidationError, PermissionDenied) as exc:
            words = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(words)) from exc
        built = export_build(export_id=export.pk)
        if built is None:
            export.refresh_from_db()
            raise CommandError(export.error or "The export could not be built.")
        self.stdout.write(
            f"Export {built.pk}: {built.children_count} children, {built.file_size} bytes, "
            f"SHA-256 {built.file_sha256}, file {built.file_name} (expires {built.expires_at:%Y-%m-%d %H:%M})."
        )
