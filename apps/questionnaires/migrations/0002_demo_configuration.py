"""One behaviour-and-sleep questionnaire and its assignment policies, as a DEMO configuration.

It is not a validated instrument: the clinic replaces it (Family questionnaires, in the admin) with
the one it uses. The threshold and intervals are demo values, labelled as such.
"""

from django.db import migrations

TITLE = "Behaviour and sleep (demo configuration — not a validated instrument)"
# (linkId, text, type, options [(code, display, score)], min, max, reverse, required)
ITEMS = [
    (
        "settling",
        "How easily did they settle to sleep?",
        "choice",
        [
            ("easily", "Easily", 0),
            ("a-while", "It took a while", 1),
            ("hard", "It was very hard", 2),
            ("not-at-all", "They could not settle", 3),
        ],
        None,
        None,
        False,
        True,
    ),
    ("night-waking", "On a usual night, how many times did they wake?", "integer", [], 0, 5, False, True),
    (
        "rages",
        "Rages or tantrums that were hard to calm?",
        "choice",
        [
            ("none", "None", 0),
            ("once-or-twice", "Once or twice", 1),
            ("most-days", "Most days", 2),
            ("several-a-day", "Several times a day", 3),
        ],
        None,
        None,
        False,
        True,
    ),
    ("content", "Were they mostly happy and content?", "boolean", [], None, None, True, True),
    (
        "play",
        "How well did they play and join in, compared with usual?",
        "choice",
        [
            ("better", "Better than usual", 3),
            ("as-usual", "As usual", 2),
            ("a-bit-less", "A bit less", 1),
            ("much-less", "Much less", 0),
        ],
        None,
        None,
        True,
        True,
    ),
    ("anything-else", "Anything else about their sleep or behaviour?", "text", [], None, None, False, False),
]


def _score_max(kind, options, high):
    if kind == "choice":
        return max(score for _, _, score in options)
    if kind == "integer":
        return high
    return 1 if kind == "boolean" else 0


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("questionnaires", "Questionnaire")
    Version = apps.get_model("questionnaires", "QuestionnaireVersion")
    Item = apps.get_model("questionnaires", "QuestionnaireItem")
    Option = apps.get_model("questionnaires", "AnswerOption")
    Policy = apps.get_model("questionnaires", "AssignmentPolicy")
    questionnaire, created = Questionnaire.objects.get_or_create(
        code="behaviour-and-sleep-demo",
        defaults={
            "title": TITLE,
            # The demo label is in the title, which families and staff see everywhere it is shown.
            "description": "A few questions about sleep and behaviour over the last week.",
            "is_demo": True,
            "change_threshold": 4,
        },
    )
    if not created:
        return
    version = Version.objects.create(questionnaire=questionnaire, version=1)
    for position, (link_id, text, kind, options, low, high, reverse, required) in enumerate(ITEMS):
        item = Item.objects.create(
            version=version,
            link_id=link_id,
            text=text,
            type=kind,
            min_value=low,
            max_value=high,
            reverse_scored=reverse,
            required=required,
            position=position,
        )
        for index, (code, display, score) in enumerate(options):
            Option.objects.create(item=item, code=code, display=display, score=score, position=index)
    version.max_score = sum(_score_max(kind, options, high) for _, _, kind, options, _, high, _, _ in ITEMS)
    version.save(update_fields=["max_score"])
    for kind in ("before_clinic", "monthly_follow_up", "weekly_in_watch"):
        Policy.objects.create(
            questionnaire=questionnaire, kind=kind, days_before=7, days_to_answer=7, is_demo=True
        )


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
