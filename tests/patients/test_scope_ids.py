"""The scopes as one column of ids (for ``patient__in=`` on another table) hold exactly the children of
the Patient scopes they stand for, for every kind of user."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from apps.messaging.models import Thread
from apps.patients import access
from apps.patients.models import Patient
from carecoord import patient_scope

PAIRS = [
    (access.visible_patient_ids, access.visible_patients),
    (access.routinely_visible_patient_ids, access.routinely_visible_patients),
    (access.caseload_patient_ids, access.caseload_patients),
]


def _children(ids) -> set[int]:
    return set(Patient.objects.filter(pk__in=ids).values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["nurse_a", "nurse_glass", "nurse_other", "admin", "family_a", "family_b"])
def test_each_id_scope_holds_the_children_of_its_patient_scope(cast, who):
    user = getattr(cast, who)
    for ids, patients in PAIRS:
        assert _children(ids(user)) == set(patients(user).values_list("pk", flat=True))
    expected = {
        "nurse_a": {cast.child_a.pk},
        "nurse_glass": {cast.child_a.pk},  # break-glass: visible, not routine, not caseload
        "nurse_other": set(),
        "admin": set(),
        "family_a": {cast.child_a.pk},
        "family_b": {cast.child_b.pk},
    }[who]
    assert _children(access.visible_patient_ids(user)) == expected
    if who == "nurse_glass":
        assert _children(access.routinely_visible_patient_ids(user)) == set()


@pytest.mark.django_db
def test_a_filter_on_another_table_reads_the_ids_without_joining_every_child(cast):
    Thread.objects.create(patient=cast.child_a, subject="Plan", created_by=cast.nurse_a)
    Thread.objects.create(patient=cast.child_b, subject="Other", created_by=cast.nurse_other)
    threads = Thread.objects.filter(patient__in=access.visible_patient_ids(cast.nurse_a))
    assert list(threads.values_list("subject", flat=True)) == ["Plan"]
    if connection.vendor == "postgresql":  # the union of the bases itself, not a pass over Patient around it
        assert '"patient_id" IN ((SELECT' in str(threads.query)


@pytest.mark.django_db
def test_no_one_reaches_no_child_without_a_query(cast):
    for ids, patients in PAIRS:
        with CaptureQueriesContext(connection) as queries:
            assert list(patients(AnonymousUser())) == []
            assert list(Thread.objects.filter(patient__in=ids(AnonymousUser()))) == []
        assert len(queries) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["nurse_a", "nurse_glass", "family_a", "admin"])
def test_a_scope_for_listing_holds_the_same_children_as_the_one_for_checking(cast, who):
    user = getattr(cast, who)
    for name in ("visible_patients", "caseload_patients"):
        scope = getattr(access, name)
        assert set(scope(user, many=True)) == set(scope(user))


@pytest.mark.django_db
def test_in_ids_reads_the_ids_once_as_an_array_on_postgresql_and_is_in_elsewhere(cast):
    listed = access.visible_patients(cast.nurse_a, many=True)
    assert list(listed) == [cast.child_a]
    sql = str(listed.query)
    if connection.vendor == "postgresql":
        assert '"patients_patient"."id" = ANY(ARRAY((SELECT' in sql
    else:
        assert '"patients_patient"."id" IN (' in sql
    literal = Patient.objects.filter(pk__in_ids=[cast.child_b.pk, cast.child_b.pk])  # a list stays IN
    assert list(literal) == [cast.child_b] and " IN (" in str(literal.query)
    threads = Thread.objects.filter(patient__in_ids=access.caseload_patient_ids(cast.nurse_a))
    Thread.objects.create(patient=cast.child_a, subject="Plan", created_by=cast.nurse_a)
    assert list(threads.values_list("subject", flat=True)) == ["Plan"]


@pytest.mark.django_db
def test_in_ids_on_a_foreign_key_takes_children_as_in_does(cast):
    Thread.objects.create(patient=cast.child_a, subject="Plan", created_by=cast.nurse_a)
    by_instance = Thread.objects.filter(patient__in_ids=[cast.child_a, cast.child_b])
    assert list(by_instance.values_list("subject", flat=True)) == ["Plan"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["nurse_a", "nurse_glass", "nurse_other", "admin", "family_a", "family_b", "anonymous"]
)
def test_one_child_is_got_exactly_when_the_patient_scope_holds_it(cast, who):
    """``visible_patient_get`` checks through the basis of access: the same answer as visible_patients."""
    user = AnonymousUser() if who == "anonymous" else getattr(cast, who)
    visible = set(access.visible_patients(user).values_list("pk", flat=True)) if who != "anonymous" else set()
    for child in (cast.child_a, cast.child_b):
        assert access.can_see(user, child.pk) is (child.pk in visible)
        assert patient_scope.can_see(user, child.pk) is (child.pk in visible)  # the lower apps' door
        if child.pk in visible:
            assert access.visible_patient_get(user, child.pk) == child
            assert access.visible_patient_get(user, str(child.pk)) == child  # a URL's digits
        else:
            with pytest.raises(Http404):
                access.visible_patient_get(user, child.pk)
    for missing in (999_999, "x1", None):
        with pytest.raises(Http404):
            access.visible_patient_get(user, missing)
    staff = who in ("nurse_a", "nurse_glass")
    for child in (cast.child_a, cast.child_b):
        if staff and child.pk in visible:
            assert access.clinical_record_patient_get(user, child.pk) == child
        else:  # a family's own child too: the clinical record is for staff
            with pytest.raises(Http404):
                access.clinical_record_patient_get(user, child.pk)
