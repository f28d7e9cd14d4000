"""The demo step: an approved plan for the first demo family's child (dexamethasone pulses) and a
child on ACTH, worded by the demo blocks and labelled as demo text; a second run adds nothing."""

import pytest
from django.core.management import call_command

from apps.emergency_plans import demo, selectors
from apps.emergency_plans.models import PlanVersion
from apps.patients.models import Patient


@pytest.mark.django_db
def test_the_demo_has_approved_plans_for_children_on_steroid_or_acth_courses(capsys):
    call_command("seed_demo")
    for hospital_number, agent in (("RCH100200", "Dexamethasone pulses"), ("RCH100202", "ACTH")):
        patient = Patient.objects.get(hospital_number=hospital_number)
        version = selectors.approved_version(patient)
        assert version is not None and not version.plan.needs_review
        view = selectors.plan_view(version)
        course = next(c for c in view.courses if c.label == agent)
        assert [a.key for a in course.advice] == ["steroids-and-acth"] and view.has_demo_text
    demo.seed({})
    assert PlanVersion.objects.count() == 2
