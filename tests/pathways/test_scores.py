"""Severity scales are data; a scored version is immutable; a score is all items in range or nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.pathways import selectors, services
from apps.pathways.models import ScaleItem, SeverityScale, SeverityScore, SeverityScoreValue

from ..factories import PatientFactory, StaffFactory

Role = StaffProfile.Role
ITEMS = [
    services.ItemSpec("Stance", 0, 3),
    services.ItemSpec("Gait", 0, 3),
    services.ItemSpec("Eye movements", 1, 4),
]
GOOD = {"stance": 2, "gait": 0, "eye-movements": 4}


@pytest.fixture
def admin(db):
    return StaffFactory(role=Role.CLINIC_ADMIN)


@pytest.fixture
def nurse(db):
    return StaffFactory(role=Role.NURSE_SPECIALIST)


@pytest.fixture
def consultant(db):
    return StaffFactory(role=Role.CONSULTANT)


@pytest.fixture
def child(db):
    return PatientFactory()


@pytest.fixture
def scale(admin):
    return services.scale_create(actor=admin, name="Demo OMS scale", items=ITEMS)


def _score(actor, patient, scale, values, days_ago=1):
    return services.score_record(
        actor=actor,
        patient=patient,
        scale=scale,
        assessed_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        values=values,
    )


def _totals(patient):
    return [(s.total, s.max_total) for s in selectors.scores_with_totals(patient)]


def test_item_codes_are_the_slugified_labels(scale):
    assert list(scale.items.values_list("code", "minimum", "maximum")) == [
        ("stance", 0, 3),
        ("gait", 0, 3),
        ("eye-movements", 1, 4),
    ]


def test_a_score_totals_its_items(nurse, child, scale):
    score = _score(nurse, child, scale, GOOD)
    assert score.scale == scale
    assert score.assessor == nurse
    assert {v.item.code: v.value for v in score.values.select_related("item")} == GOOD
    assert _totals(child) == [(6, 10)]


def test_string_digits_and_whole_floats_are_accepted_as_whole_numbers(nurse, child, scale):
    _score(nurse, child, scale, {"stance": "3", "gait": 1.0, "eye-movements": " 1 "})
    assert _totals(child) == [(5, 10)]


def test_totals_are_per_score_and_in_date_order(nurse, child, scale):
    _score(nurse, child, scale, {"stance": 3, "gait": 3, "eye-movements": 4}, days_ago=30)
    _score(nurse, child, scale, {"stance": 0, "gait": 0, "eye-movements": 1}, days_ago=2)
    _score(nurse, PatientFactory(), scale, GOOD)
    assert _totals(child) == [(10, 10), (1, 10)]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({**GOOD, "stance": -1}, "stance", ["between 0 and 3", "-1"]),
        ({**GOOD, "stance": 4}, "stance", ["between 0 and 3", "4"]),
        ({**GOOD, "eye-movements": 0}, "eye-movements", ["between 1 and 4", "0"]),
        ({**GOOD, "eye-movements": 5}, "eye-movements", ["between 1 and 4", "5"]),
    ],
    ids=["below-min", "above-max", "below-min-nonzero", "above-max-nonzero"],
)
def test_a_value_out_of_range_is_a_field_error_and_no_row(nurse, child, scale, values, field, words):
    with pytest.raises(ValidationError) as exc:
        _score(nurse, child, scale, values)
    errors = exc.value.message_dict
    assert list(errors) == [field]
    assert all(word in errors[field][0] for word in words)
    assert not SeverityScore.objects.exists()
    assert not SeverityScoreValue.objects.exists()


@pytest.mark.parametrize("missing", [None, ""], ids=["absent", "blank"])
def test_a_missing_item_is_a_field_error_and_no_row(nurse, child, scale, missing):
    values = {"stance": 1, "eye-movements": 2}
    if missing is not None:
        values["gait"] = missing
    with pytest.raises(ValidationError) as exc:
        _score(nurse, child, scale, values)
    assert exc.value.message_dict == {"gait": ["Enter a value for Gait."]}
    assert not SeverityScore.objects.exists()


def test_an_unknown_item_is_an_error_naming_it_and_no_row(nurse, child, scale):
    with pytest.raises(ValidationError) as exc:
        _score(nurse, child, scale, {**GOOD, "speech": 1})
    errors = exc.value.message_dict
    assert list(errors) == ["values"]
    assert "speech" in errors["values"][0]
    assert not SeverityScore.objects.exists()


@pytest.mark.parametrize("raw", ["two", "1.5", 1.5, float("nan"), True, [1]], ids=repr)
def test_a_non_integer_is_a_field_error_and_no_row(nurse, child, scale, raw):
    with pytest.raises(ValidationError) as exc:
        _score(nurse, child, scale, {**GOOD, "gait": raw})
    assert exc.value.message_dict == {"gait": ["Gait must be a whole number."]}
    assert not SeverityScore.objects.exists()
    assert not SeverityScoreValue.objects.exists()


def test_several_errors_are_reported_together(nurse, child, scale):
    with pytest.raises(ValidationError) as exc:
        _score(nurse, child, scale, {"stance": 9, "eye-movements": "x", "extra": 1})
    assert set(exc.value.message_dict) == {"stance", "gait", "eye-movements", "values"}
    assert not SeverityScore.objects.exists()


def test_a_score_in_the_future_is_refused(nurse, child, scale):
    with pytest.raises(ValidationError) as exc:
        _score(nurse, child, scale, GOOD, days_ago=-1)
    assert "assessed_on" in exc.value.message_dict
    assert not SeverityScore.objects.exists()


def test_revising_an_unused_scale_changes_it_in_place(admin, scale):
    revised = services.scale_revise(
        actor=admin,
        scale=scale,
        items=[services.ItemSpec("Stance", 0, 3), services.ItemSpec("Speech", 0, 2)],
        description="Fewer items",
    )
    assert revised.pk == scale.pk
    assert revised.version == 1
    assert revised.is_active
    assert revised.description == "Fewer items"
    assert list(revised.items.values_list("code", "maximum")) == [("stance", 3), ("speech", 2)]
    assert SeverityScale.objects.count() == 1


def test_revising_a_scored_scale_makes_the_next_version_and_retires_the_old(admin, nurse, child, scale):
    _score(nurse, child, scale, GOOD, days_ago=10)
    new = services.scale_revise(
        actor=admin, scale=scale, items=[services.ItemSpec("Stance", 0, 5), services.ItemSpec("Speech")]
    )
    assert new.pk != scale.pk
    assert (new.name, new.version, new.is_active) == (scale.name, 2, True)
    assert list(new.items.values_list("code", "minimum", "maximum")) == [("stance", 0, 5), ("speech", 0, 3)]

    scale.refresh_from_db()
    assert scale.version == 1
    assert scale.is_active is False
    assert list(scale.items.values_list("code", "minimum", "maximum")) == [
        ("stance", 0, 3),
        ("gait", 0, 3),
        ("eye-movements", 1, 4),
    ]
    assert list(selectors.active_scales()) == [new]

    _score(nurse, child, new, {"stance": 5, "speech": 1}, days_ago=1)
    assert _totals(child) == [(6, 10), (6, 8)]


def test_revising_an_old_scored_version_again_makes_version_three(admin, nurse, child, scale):
    _score(nurse, child, scale, GOOD)
    v2 = services.scale_revise(actor=admin, scale=scale, items=ITEMS[:2])
    _score(nurse, child, v2, {"stance": 1, "gait": 1})
    v3 = services.scale_revise(actor=admin, scale=v2, items=ITEMS[:1])
    assert [v.version for v in SeverityScale.objects.filter(name=scale.name)] == [3, 2, 1]
    assert list(SeverityScale.objects.filter(is_active=True)) == [v3]
    assert _totals(child) == [(6, 10), (2, 6)]


def test_a_scored_version_keeps_its_items_rows(admin, nurse, child, scale):
    item_ids = set(scale.items.values_list("pk", flat=True))
    _score(nurse, child, scale, GOOD)
    services.scale_revise(actor=admin, scale=scale, items=[services.ItemSpec("Other")])
    assert set(ScaleItem.objects.filter(scale=scale).values_list("pk", flat=True)) == item_ids


@pytest.mark.parametrize(
    ("items", "words"),
    [
        ([], "at least one item"),
        ([services.ItemSpec("Gait"), services.ItemSpec("gait")], "share the code"),
        ([services.ItemSpec("Gait", 3, 3)], "maximum must be above the minimum"),
        ([services.ItemSpec("  ")], "needs a label"),
    ],
    ids=["empty", "duplicate", "empty-range", "blank-label"],
)
def test_a_bad_item_list_is_refused(admin, items, words):
    with pytest.raises(ValidationError) as exc:
        services.scale_create(actor=admin, name="Broken", items=items)
    assert words in exc.value.message_dict["items"][0]
    assert not SeverityScale.objects.exists()


@pytest.mark.parametrize(
    "role",
    [Role.CONSULTANT, Role.NURSE_SPECIALIST, Role.SURGEON, Role.THERAPIST, Role.PSYCHOLOGIST],
)
def test_only_a_clinic_admin_manages_scales(scale, role):
    actor = StaffFactory(role=role)
    with pytest.raises(PermissionDenied) as exc:
        services.scale_create(actor=actor, name="Mine", items=ITEMS)
    assert isinstance(exc.value, PermissionDenied)
    with pytest.raises(PermissionDenied) as exc:
        services.scale_revise(actor=actor, scale=scale, items=ITEMS[:1])
    assert isinstance(exc.value, PermissionDenied)
    assert list(SeverityScale.objects.all()) == [scale]
    assert scale.items.count() == 3


def test_the_demo_loader_creates_a_scale_without_an_actor(db):
    scale = services.scale_create(actor=None, name="Demo", items=ITEMS, is_demo=True)
    assert scale.is_demo and "demo configuration" in str(scale)


@pytest.mark.parametrize("role", [Role.NURSE_SPECIALIST, Role.CONSULTANT])
def test_a_nurse_or_consultant_may_record_a_score(child, scale, role):
    _score(StaffFactory(role=role), child, scale, GOOD)
    assert SeverityScore.objects.count() == 1


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.SURGEON, Role.PSYCHOLOGIST, Role.CLINIC_ADMIN])
def test_other_roles_may_not_record_a_score(child, scale, role):
    with pytest.raises(PermissionDenied) as exc:
        _score(StaffFactory(role=role), child, scale, GOOD)
    assert isinstance(exc.value, PermissionDenied)
    assert not SeverityScore.objects.exists()
