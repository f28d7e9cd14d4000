"""Symptom reports: a family tells the team that symptoms are coming back (a possible relapse), and a
clinician records that they have reviewed it.

Unlike the rest of the pathway API this is shared with families, so it is thin in the way of
apps/messaging/api.py rather than built on ``_base``: a child is resolved through ``patient_get`` and a
report through the caller's view of the child's reports, so anyone out of scope gets a 404 exactly like
a missing report. Staff see every report about the child; a family sees only the reports they sent,
without who reviewed them. Only a guardian sends a report and only a clinician who may record relapses
reviews one: someone who can see the child or the report but may not do this gets a 403 before the
service is called, and a service's refusal keeps its code (reviewing twice is a 409 ``stale``).
Reads are audited once per request.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import refuse_unless

from .. import selectors, services
from ..models import SymptomReport
from ..services.symptoms import FREE_TEXT_MAX

ANSWERS = [*SymptomReport.SYMPTOMS, "recent_illness", "free_text"]
SAFETY_ADVICE = [
    "Call 999 or go to A&E if your child is seriously unwell or injured, or you think their life is at risk.",
    "Call NHS 111 (or go to 111.nhs.uk) if you need medical advice before we call you, "
    "or it is outside working hours.",
]

# --- Output ---------------------------------------------------------------------------------------


class FamilySymptomReportOutput(serializers.ModelSerializer):
    """What a family sees of a report they sent: their answers and when they sent it."""

    class Meta:
        model = SymptomReport
        fields = ["id", "patient", "submitted_at", *ANSWERS]


class SymptomReportSentOutput(FamilySymptomReportOutput):
    """The family's confirmation: who the report went to, what happens next, and safety advice."""

    sent_to = serializers.SerializerMethodField(help_text="Who has the report, as urgent.")
    next_steps = serializers.SerializerMethodField()
    safety_advice = serializers.SerializerMethodField(help_text="What to do while waiting for the call.")

    class Meta(FamilySymptomReportOutput.Meta):
        fields = [*FamilySymptomReportOutput.Meta.fields, "sent_to", "next_steps", "safety_advice"]

    def get_sent_to(self, report: SymptomReport) -> str:
        nurse = report.patient.named_nurse
        if nurse is None:
            return "The nurse specialist team"
        return f"{nurse.full_name}, {report.patient.given_name}'s nurse specialist"

    def get_next_steps(self, report: SymptomReport) -> str:
        return (
            f"The nurse specialist will call you to talk about {report.patient.given_name}. They read "
            "reports during working hours. If you have not heard from us by the end of the next working "
            "day, please contact the nurse specialist team."
        )

    def get_safety_advice(self, report: SymptomReport) -> list[str]:
        return SAFETY_ADVICE


class SymptomReportOutput(FamilySymptomReportOutput):
    """The staff view, with who sent the report, a summary, and its review."""

    reported_by_name = serializers.CharField(source="reported_by.full_name", read_only=True)
    summary = serializers.CharField(read_only=True, help_text="The symptoms reported, briefly.")
    is_reviewed = serializers.BooleanField(read_only=True)
    reviewed_by_name = serializers.CharField(
        source="reviewed_by.full_name", read_only=True, default=None, allow_null=True
    )

    class Meta(FamilySymptomReportOutput.Meta):
        fields = [
            *FamilySymptomReportOutput.Meta.fields,
            "reported_by",
            "reported_by_name",
            "summary",
            "is_reviewed",
            "reviewed_by",
            "reviewed_by_name",
            "reviewed_at",
        ]


# --- Input ----------------------------------------------------------------------------------------

_AMOUNT = "No, a little or a lot."


class SymptomReportInput(serializers.Serializer):
    unsteady = serializers.ChoiceField(
        choices=SymptomReport.Amount.choices, help_text=f"Unsteady walking or balance. {_AMOUNT}"
    )
    jerky_movements = serializers.ChoiceField(
        choices=SymptomReport.Amount.choices, help_text=f"Jerky movements. {_AMOUNT}"
    )
    eye_movements = serializers.ChoiceField(
        choices=SymptomReport.Amount.choices, help_text=f"Unusual eye movements. {_AMOUNT}"
    )
    sleep = serializers.ChoiceField(
        choices=SymptomReport.Amount.choices, help_text=f"Sleep problems. {_AMOUNT}"
    )
    behaviour = serializers.ChoiceField(
        choices=SymptomReport.Amount.choices, help_text=f"Behaviour or irritability. {_AMOUNT}"
    )
    speech = serializers.ChoiceField(
        choices=SymptomReport.Amount.choices, help_text=f"Speech changes. {_AMOUNT}"
    )
    recent_illness = serializers.ChoiceField(
        choices=SymptomReport.YesNo.choices, help_text="Recent illness or fever."
    )
    free_text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=FREE_TEXT_MAX, help_text="In your own words."
    )


# --- Views ----------------------------------------------------------------------------------------


def _is_staff(user: User) -> bool:
    return roles.staff_role(user) is not None


def _reports_for(user: User, patient: Patient) -> QuerySet[SymptomReport]:
    """The child's reports in the caller's view: all of them for staff, a family's own for a family."""
    reports = selectors.symptom_reports_of(patient=patient)
    return reports if _is_staff(user) else reports.filter(reported_by=user)


def symptom_report_get(*, user: User, pk: int) -> SymptomReport:
    """A report in the caller's view of a child in their scope; 404 otherwise.

    Only the child's id is read before the child is resolved through ``patient_get``, so a report
    about a child out of scope and a missing one look the same.
    """
    patient_id = SymptomReport.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    patient = patient_get(user=user, pk=patient_id)
    report = get_object_or_404(_reports_for(user, patient), pk=pk)
    report.patient = patient
    return report


class PatientSymptomReportViewSet(viewsets.GenericViewSet):
    """/patients/{patient_pk}/symptom-reports/: a child's reports, and a guardian sending one."""

    serializer_class = SymptomReportOutput
    throttle_scope = "symptom_report"  # sending only: ScopedWriteThrottle does not count reads
    queryset = SymptomReport.objects.none()  # names the model; rows come from _reports_for()

    @extend_schema(
        responses={
            200: PolymorphicProxySerializer(
                component_name="SymptomReportForCaller",
                serializers=[SymptomReportOutput, FamilySymptomReportOutput],
                resource_type_field_name=None,
            )
        }
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The child's reports, newest first: every one for staff, the caller's own for a family."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        page = self.paginate_queryset(_reports_for(user, patient)) or []
        access_record(request=request, patients=patient, what="symptom reports")
        output = SymptomReportOutput if _is_staff(user) else FamilySymptomReportOutput
        return self.get_paginated_response(output(page, many=True).data)

    @extend_schema(request=SymptomReportInput, responses={201: SymptomReportSentOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A guardian reports that symptoms are coming back. The named nurse (or the Nursing queue)
        gets an urgent task at once, the child is flagged on the caseload and the pathway, and a
        "possible relapse" goes on the timeline. The same answers sent again within a few minutes
        return the first report. Not for emergencies: the answer carries the safety advice."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        refuse_unless(roles.is_family(user), "Only the child's family can send a symptom report.")
        data = SymptomReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.symptom_report_submit(actor=user, patient=patient, **data.validated_data)
        report.patient = patient
        return Response(SymptomReportSentOutput(report).data, status=status.HTTP_201_CREATED)


class SymptomReportViewSet(viewsets.GenericViewSet):
    """/symptom-reports/{id}/: reviewing a report."""

    serializer_class = SymptomReportOutput
    queryset = SymptomReport.objects.none()  # names the model; the report comes from symptom_report_get()

    @extend_schema(request=None, responses={200: SymptomReportOutput})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A clinician has looked at the report (and spoken to the family): the caseload and pathway
        flag clears and the urgent task closes."""
        user = request_user(request)
        report = symptom_report_get(user=user, pk=self.kwargs["pk"])
        refuse_unless(roles.can_record_relapse(user), "Your role cannot review symptom reports.")
        services.symptom_report_review(actor=user, report=report)
        reviewed = selectors.symptom_reports_of(patient=report.patient).get(pk=report.pk)
        return Response(SymptomReportOutput(reviewed).data)
