"""The export of the full demo data names no one: every name, NHS number, hospital number, email and
phone in the database, and every free-text value, is searched for in every file of the export."""

import re

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import models

from apps.accounts.models import User
from apps.messaging.models import Message
from apps.pathways.models import TreatmentCourse
from apps.patients.models import Patient
from apps.research.demo import REGISTRY
from apps.research.models import ConsentScope, ResearchExport

from .conftest import run_export

IDENTIFYING = re.compile(r"(^|_)(name|email|phone|postcode|school|nhs_number|hospital_number|address)($|_)")
FREE_TEXT_MIN = 5  # "longer than a few characters": shorter values are words any text may hold


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not isinstance(f, models.SlugField)
        and not f.choices  # codes, which the export carries on purpose
    ]


def _database_text() -> tuple[set[str], set[str]]:
    """(identifiers, free text) from every text column of every project model, history tables too."""
    identifiers: set[str] = set()
    free_text: set[str] = set()
    for model in django_apps.get_models():
        # The export's own audit record (its hash, key source) describes the export, not a child.
        if not model.__module__.startswith("apps.") or model is ResearchExport:
            continue
        for field in _text_fields(model):
            values = (
                model._default_manager.exclude(**{field.name: ""})
                .values_list(field.name, flat=True)
                .distinct()
            )
            target = identifiers if IDENTIFYING.search(field.name) else free_text
            target.update(v.strip() for v in values if v and v.strip())
    for nhs in Patient.objects.exclude(nhs_number=None).values_list("nhs_number", flat=True):
        identifiers |= {nhs, f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"}
    for phone in User.objects.exclude(phone="").values_list("phone", flat=True):
        identifiers.add(re.sub(r"\D", "", phone))
    return identifiers, {t for t in free_text if len(t) > FREE_TEXT_MIN}


@pytest.mark.django_db
def test_the_export_of_the_demo_data_contains_no_direct_identifier_or_free_text():
    call_command("seed_demo", verbosity=0)
    lead = User.objects.get(email="admin@carecoord.example")
    scope = ConsentScope.objects.get(code=REGISTRY)
    assert scope.is_demo and scope.consents.filter(withdrawn_on__isnull=False).count() == 1
    built, files = run_export(lead, scope)
    assert built.children_count == 10  # twelve asked: one declined, one withdrew
    identifiers, free_text = _database_text()
    # The search must have something to find: the demo's names, numbers and notes are in it.
    assert {"Maya", "Patel", "family@carecoord.example"} <= identifiers
    assert "Family asked to leave the registry" in free_text
    notes = TreatmentCourse.objects.exclude(regimen_notes="").values_list("regimen_notes", flat=True)
    bodies = Message.objects.values_list("body", flat=True)
    assert (
        notes
        and bodies
        and {n.strip() for n in notes} | {b.strip() for b in bodies if len(b.strip()) > FREE_TEXT_MIN}
        <= free_text
    )
    assert len(identifiers) > 100 and len(free_text) > 50
    found = [
        (name, value)
        for name, content in files.items()
        for value in sorted(identifiers | free_text)
        if len(value) >= 3 and value.encode() in content
    ]
    assert not found
