"""Referral endpoints: the team inbox and sent box, detail with history and due times, each
transition as an action, inbound external referrals, and letters.

Thin, as in apps/pathways/api/: a referral is resolved through ``selectors.referrals_visible_to`` first,
so anyone who cannot see it (another team, a family) gets a 404 and a missing referral looks the same.
Someone who can see it but may not do this to it (the referring nurse accepting) gets a 403 before the
service is called. A service's refusal keeps its code: ``illegal_transition`` is a 400, ``stale`` a 409.
The collection endpoints (list, create, external) are for staff; a family gets a 403 there.
Reads are audited once per request.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.accounts.selectors import staff_members
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord import filters
from carecoord.errors import refuse_unless

from . import permissions, selectors, services
from .models import Referral, ReferralAttachment, ReferralEvent
from .selectors import ReferralRow

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
        max_length=30, help_text="A known child is matched by NHS number first, then hospital number."
    )
    nhs_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    postcode = serializers.CharField(required=False, allow_blank=True, default="", max_length=10)


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

Run = Callable[..., Referral]  # a referral service, called with actor, referral, expected and the body


def with_history(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    events = ReferralEvent.objects.select_related("actor").order_by("at", "id")
    letters = ReferralAttachment.objects.select_related("uploaded_by").order_by("uploaded_at", "id")
    return referrals.prefetch_related(Prefetch("events", queryset=events), Prefetch("attachments", letters))


class ReferralViewSet(filters.ListFilteredViewSet):
    serializer_class = ReferralOutput
    filterset_class = ReferralFilter
    throttle_scope: str | None = None  # the external action sets "intake"

    def get_queryset(self) -> QuerySet[Referral]:
        referrals = selectors.referrals_visible_to(self.request.user)
        return with_history(referrals) if self.action == "retrieve" else referrals

    def _detail(self, referral: Referral) -> dict:
        referral = with_history(selectors.referrals_visible_to(self.request.user)).get(pk=referral.pk)
        return ReferralDetailOutput(selectors.referral_rows([referral])[0]).data

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """My teams' referrals, awaiting triage first then by urgency and age; or those I sent."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, "Referrals are for staff.")
        referrals = self.filter_queryset(Referral.objects.none())
        what = "referrals sent" if request.query_params.get("box") == "sent" else "referral inbox"
        rows = selectors.referral_rows(self.paginate_queryset(referrals) or [])
        access_record(request=request, patients=[row.referral.patient for row in rows], what=what)
        return self.get_paginated_response(ReferralOutput(rows, many=True).data)

    @extend_schema(responses={200: ReferralDetailOutput})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One referral with its history, letters and service-level due times."""
        referral = self.get_object()
        row: ReferralRow = selectors.referral_rows([referral])[0]
        access_record(request=request, patients=referral.patient, what="referral")
        return Response(ReferralDetailOutput(row).data)

    @extend_schema(request=ReferralInput, responses={201: ReferralDetailOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Refer a child the caller can see to a team; it is submitted at once."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, "Only staff can make referrals.")
        data = ReferralInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        patient = patient_get(user=user, pk=fields.pop("patient"))
        referral = services.referral_create(actor=user, patient=patient, **fields)
        return Response(self._detail(referral), status=status.HTTP_201_CREATED)

    @extend_schema(request=ExternalReferralInput, responses={201: ExternalReceiptOutput})
    @action(detail=False, methods=["post"], throttle_scope="intake")
    def external(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a referral from a GP or another hospital. An unknown child is registered as referred
        and the referral lands in the team's inbox. A known child whom the caller does not already look
        after is never revealed: the referral waits for identity confirmation and the answer is the
        same receipt. (The records team is answered with what it recorded.)"""
        user = request_user(request)
        refuse_unless(roles.can_register_patient(user), "Your role cannot record inbound referrals.")
        data = ExternalReferralInput(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_receive_external(actor=user, **data.validated_data)
        output = ExternalRecordOutput if permissions.is_records_role(user) else ExternalReceiptOutput
        return Response(output(referral).data, status=status.HTTP_201_CREATED)

    def _queued(self, user: User, kwargs: dict[str, Any]) -> Referral:
        """A referral in this user's identity queue; 404 for anything else (a missing one too)."""
        pk = str(kwargs.get("pk", ""))
        if not pk.isdigit():
            raise Http404
        return selectors.identity_queue_get(user=user, pk=int(pk))

    @extend_schema(responses={200: IdentityQueueOutput(many=True)})
    @action(detail=False, methods=["get"], url_path="identity-queue")
    def identity_queue(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Referrals from outside waiting for someone who looks after the child, or the records team,
        to confirm which child they are about. Oldest first."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, "Referrals are for staff.")
        page = self.paginate_queryset(selectors.identity_queue(user=user)) or []
        access_record(
            request=request, patients=[r.patient for r in page], what="identity queue", basis=access.ADMIN
        )
        return self.get_paginated_response(IdentityQueueOutput(page, many=True).data)

    @extend_schema(request=None, responses={200: IdentityDecisionOutput})
    @action(detail=True, methods=["post"], url_path="confirm-identity")
    def confirm_identity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """It is this child: the referral goes to the team's inbox (triage task, track moved)."""
        user = request_user(request)
        referral = self._queued(user, kwargs)
        referral = services.referral_confirm_identity(actor=user, referral=referral)
        return Response(IdentityDecisionOutput(referral).data)

    @extend_schema(request=ReferralReasonInput, responses={200: IdentityDecisionOutput})
    @action(detail=True, methods=["post"], url_path="reject-identity")
    def reject_identity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """It is not this child: the referral is closed, and nothing on the child's record changes."""
        user = request_user(request)
        referral = self._queued(user, kwargs)
        data = ReferralReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_reject_identity(
            actor=user, referral=referral, reason=data.validated_data["reason"]
        )
        return Response(IdentityDecisionOutput(referral).data)

    def _transition(
        self, request: Request, body: type[serializers.Serializer], run: Run, to: str
    ) -> Response:
        """Resolve in scope (404), check the role (403), validate (400), then let the service make the
        move under its row lock: it refuses a stale ``expected_status`` (409) or an illegal move (400)."""
        referral = self.get_object()
        user = request_user(request)
        services.referral_check_role(actor=user, referral=referral, to=to)
        data = body(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        expected = fields.pop("expected_status", None)
        return Response(self._detail(run(actor=user, referral=referral, expected=expected, **fields)))

    @extend_schema(request=ReferralAcceptInput, responses={200: ReferralDetailOutput})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Accept for the team (awaiting triage only). Of two people accepting at once, one wins and
        the other gets a 409 with code stale."""
        return self._transition(request, ReferralAcceptInput, services.referral_accept, Status.ACCEPTED)

    @extend_schema(request=ReferralReasonInput, responses={200: ReferralDetailOutput})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Decline with a reason (awaiting triage only)."""
        return self._transition(request, ReferralReasonInput, services.referral_decline, Status.DECLINED)

    @extend_schema(request=ReferralNoteInput, responses={200: ReferralDetailOutput})
    @action(detail=True, methods=["post"])
    def book(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark an accepted referral as booked (or re-booked)."""
        return self._transition(request, ReferralNoteInput, services.referral_book, Status.BOOKED)

    @extend_schema(request=ReferralNoteInput, responses={200: ReferralDetailOutput})
    @action(detail=True, methods=["post"])
    def seen(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark a booked referral as seen."""
        return self._transition(request, ReferralNoteInput, services.referral_mark_seen, Status.SEEN)

    @extend_schema(request=ReferralNoteInput, responses={200: ReferralDetailOutput})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Complete a referral that has been seen."""
        return self._transition(request, ReferralNoteInput, services.referral_complete, Status.COMPLETED)

    @extend_schema(request=ReferralReasonInput, responses={200: ReferralDetailOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel an open referral with a reason: the referrer or the receiving team."""
        return self._transition(request, ReferralReasonInput, services.referral_cancel, Status.CANCELLED)

    @extend_schema(methods=["GET"], request=None, responses={200: ReferralLetterOutput(many=True)})
    @extend_schema(methods=["POST"], request=ReferralLetterInput, responses={201: ReferralLetterOutput})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def letters(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """GET: the letters' details, oldest first. POST (multipart, field ``file``): attach a letter,
        as the referrer or the receiving team."""
        referral = self.get_object()
        user = request_user(request)
        if request.method == "GET":
            letters = referral.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")
            page = self.paginate_queryset(letters) or []
            access_record(request=request, patients=referral.patient, what="referral letters")
            return self.get_paginated_response(ReferralLetterOutput(page, many=True).data)
        refuse_unless(
            permissions.can_cancel_referral(user, referral),
            "Only the referrer or the receiving team can attach letters.",
        )
        data = ReferralLetterInput(data=request.data)
        data.is_valid(raise_exception=True)
        letter = services.referral_attach(actor=user, referral=referral, upload=data.validated_data["file"])
        return Response(ReferralLetterOutput(letter).data, status=status.HTTP_201_CREATED)
