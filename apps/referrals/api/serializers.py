"""The referral API's input and output shapes and its list filter."""

from django.db.models import QuerySet
from django.urls import reverse
from rest_framework import serializers

from apps.accounts.models import Team, User
from apps.accounts.selectors import staff_members
from apps.patients.models import Patient
from carecoord import filters

from .. import selectors, services
from ..models import Referral, ReferralAttachment, ReferralEvent

Status = Referral.Status


# --- Output ---------------------------------------------------------------------------------------


class ReferralEventOutput(serializers.ModelSerializer):
    actor_name = serializers.CharField(
        source="actor.full_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ReferralEvent
        fields = ["from_status", "to_status", "actor", "actor_name", "at", "note"]


class ReferralLetterOutput(serializers.ModelSerializer):
    uploaded_by_name = serializers.CharField(
        source="uploaded_by.full_name", read_only=True, default=None, allow_null=True
    )
    download_url = serializers.SerializerMethodField(help_text="The staff page that serves the file.")

    class Meta:
        model = ReferralAttachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, letter: ReferralAttachment) -> str:
        return reverse("referrals:attachment", args=[letter.referral_id, letter.pk])


class ReferralOutput(serializers.Serializer):
    """One referral with its service-level due times (a ``ReferralRow``)."""

    id = serializers.IntegerField(source="referral.pk")
    patient = serializers.IntegerField(source="referral.patient_id")
    patient_name = serializers.CharField(source="referral.patient.full_name")
    hospital_number = serializers.CharField(source="referral.patient.hospital_number")
    status = serializers.ChoiceField(source="referral.status", choices=Status.choices)
    status_label = serializers.CharField(source="referral.get_status_display")
    urgency = serializers.ChoiceField(source="referral.urgency", choices=Referral.Urgency.choices)
    target_team = serializers.IntegerField(source="referral.target_team_id")
    target_team_name = serializers.CharField(source="referral.target_team.name")
    source_label = serializers.CharField(
        source="referral.source_label", help_text="Who referred: a person and team, or an outside source."
    )
    source_user = serializers.IntegerField(source="referral.source_user_id", allow_null=True)
    source_team = serializers.IntegerField(source="referral.source_team_id", allow_null=True)
    external_source = serializers.ChoiceField(
        source="referral.external_source",
        choices=Referral.ExternalSource.choices,
        allow_blank=True,
        help_text="Blank for a referral from inside the hospital.",
    )
    assignee = serializers.IntegerField(source="referral.assignee_id", allow_null=True)
    assignee_name = serializers.CharField(source="referral.assignee.full_name", default=None, allow_null=True)
    reason = serializers.CharField(source="referral.reason")
    outcome_reason = serializers.CharField(
        source="referral.outcome_reason", help_text="Why it was declined or cancelled."
    )
    created_at = serializers.DateTimeField(source="referral.created_at")
    submitted_at = serializers.DateTimeField(source="referral.submitted_at", allow_null=True)
    triaged_at = serializers.DateTimeField(source="referral.triaged_at", allow_null=True)
    seen_at = serializers.DateTimeField(source="referral.seen_at", allow_null=True)
    closed_at = serializers.DateTimeField(source="referral.closed_at", allow_null=True)
    triage_due = serializers.DateTimeField(
        allow_null=True, help_text="When triage is due under the team's service level; null without one."
    )
    seen_due = serializers.DateTimeField(allow_null=True, help_text="When the first appointment is due.")
    overdue = serializers.BooleanField(help_text="Open and past a due time, or flagged as a breach.")


class ReferralDetailOutput(ReferralOutput):
    referrer_name = serializers.CharField(source="referral.referrer_name")
    referrer_organisation = serializers.CharField(source="referral.referrer_organisation")
    events = ReferralEventOutput(source="referral.events.all", many=True, help_text="Oldest first.")
    letters = ReferralLetterOutput(source="referral.attachments.all", many=True)


class ExternalRecordOutput(serializers.ModelSerializer):
    """What the records team (a clinic administrator) is told they recorded: they match referrals to
    children's records, so they see which child it went to and whether it waits in the queue."""

    class Meta:
        model = Referral
        fields = ["id", "patient", "target_team", "urgency", "status"]


class ExternalReceiptOutput(serializers.Serializer):
    """What anyone else is told: the same whether the child was new, matched, or matched with a
    different birth date, so that recording a referral reveals nothing about any child."""

    id = serializers.IntegerField(
        source="pk", help_text="The referral's number, to quote to the records team."
    )
    status = serializers.SerializerMethodField(help_text='Always "received".')
    message = serializers.SerializerMethodField()

    def get_status(self, referral: Referral) -> str:
        return "received"

    def get_message(self, referral: Referral) -> str:
        return services.RECEIPT_MESSAGE


class IdentityRecordOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    full_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    nhs_number = serializers.CharField(allow_null=True)
    hospital_number = serializers.CharField()


class IdentityQueueOutput(serializers.Serializer):
    """A referral waiting for someone to confirm which child it is about."""

    id = serializers.IntegerField(source="pk")
    received_at = serializers.DateTimeField(source="created_at")
    target_team_name = serializers.CharField(source="target_team.name")
    urgency = serializers.ChoiceField(choices=Referral.Urgency.choices)
    source_label = serializers.CharField()
    recorded_by_name = serializers.CharField(source="recorded_by.full_name", default=None, allow_null=True)
    as_stated = serializers.DictField(
        source="child_as_stated", help_text="The child's details as the referrer gave them."
    )
    matched_record = IdentityRecordOutput(source="patient")
    differences = serializers.SerializerMethodField(help_text="Where the two disagree.")

    def get_differences(self, referral: Referral) -> list[str]:
        return selectors.identity_differences(referral)


class IdentityDecisionOutput(serializers.ModelSerializer):
    class Meta:
        model = Referral
        fields = ["id", "status", "identity_status"]


# --- Input ----------------------------------------------------------------------------------------


class ReferralFilter(filters.SelectorFilterSet):
    """The list's query: which box, and (for the inbox) one team and a status."""

    box = filters.ChoiceFilter(
        choices=[("inbox", "My teams' inbox"), ("sent", "Referrals I sent")],
        help_text="My teams' inbox when left out. The sent box ignores team and status.",
    )
    team = filters.IdFilter(help_text="One of my teams; all of them when left out.")
    status = filters.ChoiceFilter(
        choices=[("open", "Open"), *Status.choices],
        help_text="Open means awaiting triage, accepted, booked or seen; everything when left out.",
    )

    def select(self, user: User, *, box: str, team: int | None, status: str) -> QuerySet[Referral]:
        if box == "sent":
            return selectors.sent_by(user=user)
        return selectors.team_inbox(user=user, team_id=team, status=status)


class ReferralInput(serializers.Serializer):
    patient = serializers.IntegerField(help_text="A child the caller can see; 404 otherwise.")
    target_team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    reason = serializers.CharField(allow_blank=True)
    urgency = serializers.ChoiceField(choices=Referral.Urgency.choices, default=Referral.Urgency.ROUTINE)


class ExternalReferralInput(serializers.Serializer):
    external_source = serializers.ChoiceField(choices=Referral.ExternalSource.choices)
    referrer_name = serializers.CharField(allow_blank=True, max_length=150)
    referrer_organisation = serializers.CharField(required=False, allow_blank=True, max_length=200)
    target_team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    urgency = serializers.ChoiceField(choices=Referral.Urgency.choices)
    reason = serializers.CharField(allow_blank=True)
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Patient.Sex.choices, default=Patient.Sex.UNKNOWN)
    hospital_number = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=30,
        help_text="A known child is matched by NHS number first, then hospital number. Optional: a new "
        "child without one gets a provisional number (PROV-...) for the records team to replace.",
    )
    nhs_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    postcode = serializers.CharField(required=False, allow_blank=True, default="", max_length=10)
    letter = serializers.FileField(
        required=False, help_text="The referral letter (multipart): PDF, PNG or JPEG, checked by content."
    )


_EXPECTED_HELP = "The status the client saw; a 409 with code stale when the referral has moved since."


class ReferralNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    expected_status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text=_EXPECTED_HELP
    )


class ReferralAcceptInput(ReferralNoteInput):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=staff_members(),
        required=False,
        allow_null=True,
        help_text="Who takes the referral on; the caller when left out.",
    )


class ReferralReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=300)
    expected_status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text=_EXPECTED_HELP
    )


class ReferralLetterInput(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, PNG or JPEG, up to 10 MB.")


# --- Views ----------------------------------------------------------------------------------------
