"""Questionnaire definitions are data: versions, immutability once answered, and scoring (reverse items)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.questionnaires import definitions, services
from apps.questionnaires.definitions import ItemSpec, OptionSpec
from apps.questionnaires.models import AssignmentPolicy, QuestionnaireItem, QuestionnaireVersion
from carecoord.errors import ApplicationError

MOOD = [OptionSpec("Good", 0, "good"), OptionSpec("Low", 2, "low")]


def _make(admin, **extra):
    return definitions.questionnaire_create(
        actor=admin,
        code="sleep",
        title="Sleep",
        change_threshold=2,
        items=[
            ItemSpec("How is their mood?", "choice", link_id="mood", options=MOOD),
            ItemSpec("Wakings a night", "integer", link_id="wakes", min_value=0, max_value=4),
            ItemSpec("Playing as usual?", "boolean", link_id="plays", reverse_scored=True),
            ItemSpec("Anything else?", "text", link_id="notes", required=False),
        ],
        **extra,
    )


def _answer(cast, version, answers):
    from apps.questionnaires.models import Assignment

    assignment = Assignment.objects.create(
        patient=cast.child_a, version=version, reason="staff", due_on=timezone.localdate()
    )
    return services.response_submit(actor=cast.family_a, assignment=assignment, answers=answers)[0]


def test_the_demo_questionnaire_is_seeded_as_labelled_demo_data_with_its_policies(demo_questionnaire):
    assert demo_questionnaire.is_demo
    assert "demo configuration — not a validated instrument" in demo_questionnaire.title.lower()
    version = demo_questionnaire.versions.get(is_current=True)
    assert version.max_score == 15
    assert {p.kind for p in AssignmentPolicy.objects.filter(questionnaire=demo_questionnaire)} == set(
        AssignmentPolicy.Kind.values
    )


def test_only_a_clinic_administrator_defines_a_questionnaire(cast):
    with pytest.raises(PermissionDenied):
        _make(cast.nurse_a)
    questionnaire = _make(cast.admin)
    assert questionnaire.versions.get().max_score == 2 + 4 + 1  # text is not scored


def test_bad_definitions_are_refused_in_plain_words(cast):
    with pytest.raises(ValidationError, match="min below its max"):
        definitions.questionnaire_create(
            actor=cast.admin, code="x", title="X", items=[ItemSpec("N", "integer", min_value=3, max_value=3)]
        )
    with pytest.raises(ValidationError, match="at least two answers"):
        definitions.questionnaire_create(
            actor=cast.admin, code="x", title="X", items=[ItemSpec("C", "choice", options=[OptionSpec("A")])]
        )
    assert not QuestionnaireItem.objects.filter(text__in=["N", "C"]).exists()


def test_scores_add_up_with_reverse_scored_items_turned_round(cast):
    version = _make(cast.admin).versions.get()
    worst = _answer(cast, version, {"mood": "low", "wakes": "4", "plays": "no"})
    assert worst.total_score == 2 + 4 + 1 and worst.max_score == 7  # "no" to playing scores 1, reversed
    best = _answer(cast, version, {"mood": "good", "wakes": 0, "plays": "yes", "notes": "Fine"})
    assert best.total_score == 0
    assert {a.link_id: a.score for a in best.answers.all()} == {
        "mood": 0,
        "wakes": 0,
        "plays": 0,
        "notes": None,
    }


def test_a_reverse_scored_choice_turns_round_within_its_own_range(cast, demo_questionnaire):
    version = demo_questionnaire.versions.get()
    answers = {"settling": "easily", "night-waking": "0", "rages": "none", "content": "yes"}
    better = _answer(cast, version, {**answers, "play": "better"})  # 3 raw: better than usual
    assert better.total_score == 0
    much_less = _answer(cast, version, {**answers, "play": "much-less"})
    assert much_less.total_score == 3


def test_an_unused_version_changes_in_place(cast):
    version = _make(cast.admin).versions.get()
    revised = definitions.version_revise(
        actor=cast.admin, version=version, items=[ItemSpec("Wakings", "integer", min_value=0, max_value=9)]
    )
    assert revised.pk == version.pk and revised.max_score == 9
    assert [i.link_id for i in revised.items.all()] == ["wakings"]


def test_an_answered_version_never_changes_a_revision_makes_a_new_current_version(cast):
    version = _make(cast.admin).versions.get()
    response = _answer(cast, version, {"mood": "low", "wakes": "1", "plays": "yes"})
    assert definitions.version_is_locked(version)
    new = definitions.version_revise(
        actor=cast.admin, version=version, items=[ItemSpec("Wakings", "integer", min_value=0, max_value=9)]
    )
    assert new.pk != version.pk and new.version == 2 and new.is_current
    version.refresh_from_db()
    assert not version.is_current
    assert [i.link_id for i in version.items.all()] == ["mood", "wakes", "plays", "notes"]  # untouched
    response.refresh_from_db()
    assert response.version_id == version.pk and response.total_score == 3
    with pytest.raises(ApplicationError):
        definitions.refuse_if_locked(version)


def test_the_admin_shows_an_answered_version_read_only(cast, client_for):
    from django.contrib.auth.models import Permission

    version = _make(cast.admin).versions.get()
    _answer(cast, version, {"mood": "low", "wakes": "1", "plays": "yes"})
    superuser = cast.admin
    superuser.is_staff = superuser.is_superuser = True
    superuser.save(update_fields=["is_staff", "is_superuser"])
    assert Permission.objects.exists()
    client = client_for(superuser)
    page = client.get(f"/admin/questionnaires/questionnaireversion/{version.pk}/change/")
    assert page.status_code == 200
    assert b'name="items-0-text"' not in page.content  # the inline has no editable inputs
    item = version.items.first()
    item_page = client.get(f"/admin/questionnaires/questionnaireitem/{item.pk}/change/")
    assert b'name="text"' not in item_page.content
    assert QuestionnaireVersion.objects.filter(questionnaire=version.questionnaire).count() == 1
    client.post(
        "/admin/questionnaires/questionnaireversion/",
        {"action": "new_version", "_selected_action": [version.pk]},
    )
    assert QuestionnaireVersion.objects.get(questionnaire=version.questionnaire, is_current=True).version == 2
