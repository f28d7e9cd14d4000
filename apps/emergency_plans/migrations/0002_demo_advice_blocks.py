"""Demo wording for emergency plans, as a clinic would first load its approved blocks: every row is a
DEMO (is_demo=True), shown on every plan as "Demo text — not clinical advice". No clinician approved
it; a clinic replaces it with its own approved wording (a new version of each key) in the admin.

IVIG has no block on purpose: a plan for a child on IVIG says the team will add advice.
"""

import datetime

from django.db import migrations

APPROVER = "Demo configuration (no clinician has approved this text)"
BLOCKS = [
    {
        "key": "unwell-or-fever",
        "applies_to": "every_plan",
        "agents": [],
        "order": 10,
        "title": "If {child_name} has a temperature or seems unwell",
        "text": (
            "If {child_name} has a high temperature, is being sick, or seems more wobbly, jerky or upset "
            "than usual, call the {team_name} team on {team_phone} the same day ({team_hours}). "
            "Tell them which treatment {child_name} is having and show them this plan."
        ),
        "card_text": "",
    },
    {
        "key": "steroids-and-acth",
        "applies_to": "agent",
        "agents": ["dexamethasone_pulses", "methylprednisolone", "prednisolone", "acth"],
        "order": 20,
        "title": "Steroid or ACTH treatment",
        "text": (
            "{child_name} is having a course of steroid or ACTH treatment. Do not stop it suddenly. "
            "If {child_name} is being sick and cannot keep medicines down, or is very unwell, call the "
            "team straight away and show this plan to any doctor who sees {child_name}."
        ),
        "card_text": "Do not stop suddenly. Being sick or very unwell: call the team.",
    },
    {
        "key": "lowered-immunity",
        "applies_to": "agent",
        "agents": ["rituximab", "cyclophosphamide"],
        "order": 30,
        "title": "Treatment that lowers immunity",
        "text": (
            "This treatment can make infections more serious. If {child_name} has a temperature, call "
            "the team straight away. Tell the team before any vaccination, and if {child_name} has been "
            "near someone with chickenpox or measles."
        ),
        "card_text": "Temperature: call the team straight away. Tell us before vaccinations.",
    },
]


def seed(apps, schema_editor):
    AdviceBlock = apps.get_model("emergency_plans", "AdviceBlock")
    for block in BLOCKS:
        AdviceBlock.objects.get_or_create(
            key=block["key"],
            version=1,
            defaults={
                **block,
                "approved_by": APPROVER,
                "approved_at": datetime.date(2026, 12, 1),
                "is_demo": True,
                "is_active": True,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("emergency_plans", "AdviceBlock").objects.filter(
        key__in=[b["key"] for b in BLOCKS], version=1, is_demo=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("emergency_plans", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
