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
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.selectors import patient_get
from carecoord import filters
from carecoord.errors import refuse_unless

from .. import permissions, selectors, services
from ..models import Referral, ReferralAttachment, ReferralEvent
from ..selectors import ReferralRow
from .serializers import (
    ExternalReceiptOutput,
    ExternalRecordOutput,
    ExternalReferralInput,
    IdentityDecisionOutput,
    IdentityQueueOutput,
    ReferralAcceptInput,
    ReferralDetailOutput,
    ReferralFilter,
    ReferralInput,
    ReferralLetterInput,
    ReferralLetterOutput,
    ReferralNoteInput,
    ReferralOutput,
    ReferralReasonInput,
)

Status = Referral.Status
# A referral service, called with actor, referral, expected and the body.
Run = Callable[..., Referral]


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
        fields = dict(data.validated_data)
        letter = fields.pop("letter", None)
        referral = services.referral_receive_external(
            actor=user, **fields, letters=[letter] if letter else []
        )
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
