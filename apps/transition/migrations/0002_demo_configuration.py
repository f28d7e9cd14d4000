"""The checklist and milestones as a clinic would first set them: a DEMO configuration, labelled as such.

The clinic reviews and changes these in the admin (Transition to adult services). They follow the
shape NICE NG43 describes (a named worker, a plan, a joint meeting with the adult team, and support
for about six months either side of the transfer), not any one service's protocol.
"""

from django.db import migrations

DEMO = "(Demo configuration: the clinic sets its own.)"
ITEMS = [
    (
        "knows-condition",
        "Knows their condition and can explain it",
        "I can explain my condition in my own words",
    ),
    (
        "knows-medicines",
        "Knows their medicines and when to take them",
        "I know my medicines and when to take them",
    ),
    ("books-appointments", "Can book and attend appointments", "I can book and get to my appointments"),
    (
        "speaks-in-clinic",
        "Speaks for themselves in clinic, with time alone with staff",
        "I can speak for myself in clinic",
    ),
    (
        "knows-emergency",
        "Knows who to contact when unwell, day and night",
        "I know who to call if I become unwell",
    ),
    ("met-adult-team", "Has met the adult team", "I have met my new adult team"),
]
MILESTONES = [
    (
        "name-worker",
        "Name a transition worker for {name} and start the readiness checklist",
        "plan_opened",
        0,
        None,
        0,
    ),
    (
        "agree-adult-team",
        "Agree the adult team and a target transfer date with {name}",
        "birthday",
        0,
        14,
        28,
    ),
    (
        "joint-appointment",
        "Book a joint appointment for {name} with the adult team",
        "before_transfer",
        180,
        None,
        28,
    ),
    ("handover", "Prepare {name}'s handover summary for the adult team", "before_transfer", 30, None, 14),
    (
        "check-3-months",
        "Check the adult team has seen {name} (3 months after transfer)",
        "after_transfer",
        91,
        None,
        7,
    ),
    (
        "check-6-months",
        "Check {name} is settled with the adult team (6 months after transfer)",
        "after_transfer",
        182,
        None,
        7,
    ),
]


def seed(apps, schema_editor):
    ReadinessItem = apps.get_model("transition", "ReadinessItem")
    Milestone = apps.get_model("transition", "Milestone")
    for order, (code, staff, young) in enumerate(ITEMS):
        ReadinessItem.objects.get_or_create(
            code=code, defaults={"staff_text": staff, "young_person_text": young, "order": order}
        )
    for code, title, anchor, days, age, lead in MILESTONES:
        Milestone.objects.get_or_create(
            code=code,
            defaults={
                "title": title,
                "detail": DEMO,
                "anchor": anchor,
                "days": days,
                "age": age,
                "lead_days": lead,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("transition", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
