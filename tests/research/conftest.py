import datetime
import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.research import consent as consents
from apps.research import export
from apps.research.models import Consent, ConsentScope, ResearchExport
from tests.factories import StaffFactory

Role = StaffProfile.Role


@pytest.fixture(autouse=True)
def _private_exports(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.RESEARCH_EXPORT_ROOT = tmp_path / "research-exports"
    settings.RESEARCH_PSEUDONYM_KEY = "test-key-" + "x" * 40


@pytest.fixture
def registry(db) -> ConsentScope:  # type: ignore[no-untyped-def]
    return ConsentScope.objects.create(code="test-registry", name="Test registry", kind="registry")


def research_lead(**kwargs) -> User:  # type: ignore[no-untyped-def]
    user = StaffFactory(role=Role.CLINIC_ADMIN, **kwargs)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="research", codename="run_export")
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def lead(db) -> User:  # type: ignore[no-untyped-def]
    return research_lead(full_name="Rhea Lead")


def permit(actor: User, patient, scope: ConsentScope, **kwargs) -> Consent:  # type: ignore[no-untyped-def]
    fields = {
        "decision": "permit",
        "period_start": timezone.localdate() - datetime.timedelta(days=30),
        "period_end": None,
        "consenter": "young_person",
        "verification": "verbal_witnessed",
        **kwargs,
    }
    return consents.consent_record(actor=actor, patient=patient, scope=scope, **fields)


def run_export(lead: User, scope: ConsentScope) -> tuple[ResearchExport, dict[str, bytes]]:
    """Request and build an export (as the command does); return it and its files by name."""
    requested = export.export_request(actor=lead, scope_code=scope.code, queue=False)
    built = export.export_build(export_id=requested.pk)
    assert built is not None
    with export.export_storage().open(built.file_name, "rb") as handle:
        content = handle.read()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return built, {name: archive.read(name) for name in archive.namelist()}
