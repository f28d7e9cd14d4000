import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.research import consent as consents
from apps.research.models import Consent
from carecoord.errors import ApplicationError
from tests.factories import CareTeamMemberFactory, GuardianFactory, StaffFactory

from .conftest import permit

Role = StaffProfile.Role
TODAY = timezone.localdate()


def test_a_nurse_on_the_care_team_records_consent_and_the_latest_decision_counts(cast, registry):
    first = permit(cast.nurse_a, cast.child_a, registry)
    assert consents.consented_patient_ids(registry, TODAY) == [cast.child_a.pk]
    later = permit(cast.nurse_a, cast.child_a, registry, decision="deny", period_start=TODAY)
    assert consents.consented_patient_ids(registry, TODAY) == []
    # History kept: both rows stay, newest first, and the latest is the one that counts.
    history = list(consents.consents_of(cast.child_a))
    assert history == [later, first]
    assert consents.current_consents(history) == [later]


def test_a_consultant_on_the_care_team_may_record_and_others_may_not(cast, registry):
    consultant = StaffFactory(role=Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=consultant, role=Role.CONSULTANT)
    permit(consultant, cast.child_a, registry)
    therapist = StaffFactory(role=Role.THERAPIST)
    CareTeamMemberFactory(patient=cast.child_a, user=therapist, role=Role.THERAPIST)
    for outsider in (cast.nurse_other, cast.nurse_glass, cast.admin, therapist, cast.family_a):
        with pytest.raises(PermissionDenied, match="care team can record or withdraw consent"):
            permit(outsider, cast.child_a, registry)
    assert Consent.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"period_start": TODAY + datetime.timedelta(days=1)}, "period_start", "cannot be in the future"),
        ({"period_end": TODAY - datetime.timedelta(days=60)}, "period_end", "before the start date"),
        ({"consenter": "guardian"}, "guardian", "Choose which of this child's guardians"),
        ({"verification": "portal_guardian"}, "verification", "parental responsibility"),
        ({"decision": "maybe"}, "decision", "agreed or declined"),
    ],
)
def test_bad_consent_is_refused_in_plain_words_and_nothing_is_saved(cast, registry, change, field, words):
    with pytest.raises(ValidationError) as refused:
        permit(cast.nurse_a, cast.child_a, registry, **change)
    assert words in " ".join(refused.value.message_dict[field])
    assert not Consent.objects.exists()


def test_a_guardian_must_be_this_childs_and_portal_consent_needs_parental_responsibility(cast, registry):
    with pytest.raises(ValidationError, match="guardians"):
        permit(cast.nurse_a, cast.child_a, registry, consenter="guardian", guardian=cast.guardian_b)
    no_pr = GuardianFactory(patient=cast.child_a, has_parental_responsibility=False)
    with pytest.raises(ValidationError, match="parental responsibility"):
        permit(
            cast.nurse_a,
            cast.child_a,
            registry,
            consenter="guardian",
            guardian=no_pr,
            verification="portal_guardian",
        )
    made = permit(
        cast.nurse_a,
        cast.child_a,
        registry,
        consenter="guardian",
        guardian=cast.guardian_a,
        verification="portal_guardian",
    )
    assert made.guardian == cast.guardian_a


def test_an_inactive_scope_takes_no_new_consent(cast, registry):
    registry.is_active = False
    registry.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="no longer taking consent"):
        permit(cast.nurse_a, cast.child_a, registry)


def test_withdrawal_is_recorded_once_and_ends_the_consent(cast, registry):
    consent = permit(cast.nurse_a, cast.child_a, registry)
    withdrawn = consents.consent_withdraw(actor=cast.nurse_a, consent=consent, withdrawn_on=TODAY, reason="")
    assert (withdrawn.withdrawn_on, withdrawn.withdrawn_by) == (TODAY, cast.nurse_a)
    assert consents.consented_patient_ids(registry, TODAY) == []
    with pytest.raises(ApplicationError, match="already been withdrawn"):
        consents.consent_withdraw(actor=cast.nurse_a, consent=consent, withdrawn_on=TODAY)
    with pytest.raises(PermissionDenied):
        consents.consent_withdraw(actor=cast.nurse_glass, consent=consent, withdrawn_on=TODAY)


def test_a_refusal_cannot_be_withdrawn_and_bad_withdrawal_dates_are_refused(cast, registry):
    denied = permit(cast.nurse_a, cast.child_a, registry, decision="deny")
    with pytest.raises(ApplicationError, match="Only an agreement can be withdrawn"):
        consents.consent_withdraw(actor=cast.nurse_a, consent=denied, withdrawn_on=TODAY)
    agreed = permit(cast.nurse_a, cast.child_a, registry)
    with pytest.raises(ValidationError, match="before the consent started"):
        consents.consent_withdraw(
            actor=cast.nurse_a, consent=agreed, withdrawn_on=TODAY - datetime.timedelta(days=90)
        )
    with pytest.raises(ValidationError, match="300 characters or fewer"):
        consents.consent_withdraw(actor=cast.nurse_a, consent=agreed, withdrawn_on=TODAY, reason="x" * 301)
    assert Consent.objects.get(pk=agreed.pk).withdrawn_on is None


def test_consents_are_never_deleted(cast, registry):
    consent = permit(cast.nurse_a, cast.child_a, registry)
    with pytest.raises(ProtectedError):
        consent.delete()
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_the_consent_page_is_audited_and_offers_changes_only_to_the_care_team(cast, registry, client_for):
    permit(cast.nurse_a, cast.child_a, registry)
    url = f"/patients/{cast.child_a.pk}/consent/"
    page = client_for(cast.nurse_a).get(url)
    assert page.status_code == 200
    assert b"Record the decision" in page.content and b"Record a withdrawal" in page.content
    assert AccessEvent.objects.filter(user=cast.nurse_a, patient=cast.child_a, what="consent").count() == 1
    glass = client_for(cast.nurse_glass).get(url)
    assert glass.status_code == 200 and b"Record the decision" not in glass.content
    assert client_for(cast.nurse_other).get(url).status_code == 404
    assert client_for(cast.family_a).get(url).status_code == 404


def test_recording_through_the_page_and_a_bad_form_shows_the_problem(cast, registry, client_for):
    client = client_for(cast.nurse_a)
    url = f"/patients/{cast.child_a.pk}/consent/record/"
    form = {
        "scope": registry.pk,
        "decision": "permit",
        "consenter": "guardian",
        "guardian": "",
        "verification": "paper_form",
        "period_start": TODAY.isoformat(),
    }
    bad = client.post(url, form)
    assert bad.status_code == 400 and b"Choose which of this child" in bad.content
    assert not Consent.objects.exists()
    good = client.post(url, {**form, "guardian": cast.guardian_a.pk})
    assert good.status_code == 302
    assert Consent.objects.get().guardian == cast.guardian_a
    assert client_for(cast.nurse_glass).post(url, {**form, "guardian": cast.guardian_a.pk}).status_code == 403
    assert Consent.objects.count() == 1


def test_withdrawing_through_the_page(cast, registry, client_for):
    consent = permit(cast.nurse_a, cast.child_a, registry)
    url = f"/patients/{cast.child_a.pk}/consents/{consent.pk}/withdraw/"
    response = client_for(cast.nurse_a).post(
        url, {"withdrawn_on": TODAY.isoformat(), "reason": "Changed their mind"}
    )
    assert response.status_code == 302
    assert Consent.objects.get(pk=consent.pk).withdrawal_reason == "Changed their mind"
    other_child = f"/patients/{cast.child_b.pk}/consents/{consent.pk}/withdraw/"
    assert client_for(cast.nurse_a).post(other_child, {"withdrawn_on": TODAY.isoformat()}).status_code == 404
