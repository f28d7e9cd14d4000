"""The diary over the API: /api/v1/patients/<patient_pk>/diary/.

GET lists the child's entries (newest first, paged) for staff who see the child and for the child's
family; each read is audited. POST is the family's: it fills in (or changes) today's entry, and is
refused with 403 for staff. A past ``day`` is refused in plain words (400): entries are changed on
the same day only. The child comes from ``patient_get`` (404 out of scope).
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.selectors import patient_get
from carecoord.errors import refuse_unless

from . import services
from .models import DiaryEntry, Illness, Level, Mood, NightWaking


class DiaryEntryOutput(serializers.ModelSerializer):
    level = serializers.IntegerField(read_only=True, help_text="Worst of the three movement signs (0-2).")

    class Meta:
        model = DiaryEntry
        fields = ["id", "patient", "day", *services.FIELDS, "level", "recorded_at", "updated_at"]


class DiaryEntryInput(serializers.Serializer):
    day = serializers.DateField(required=False, help_text="Optional; must be today (London).")
    sleep_hours = serializers.IntegerField(
        allow_null=True,
        min_value=services.SLEEP_MIN,
        max_value=services.SLEEP_MAX,
        help_text="Hours of sleep last night: 7 means 7 or less, 13 means 13 or more; null: not sure.",
    )
    night_waking = serializers.ChoiceField(choices=NightWaking.choices)
    mood = serializers.ChoiceField(choices=Mood.choices)
    rage_episodes = serializers.IntegerField(min_value=0, max_value=services.RAGES_MAX)
    unsteadiness = serializers.ChoiceField(choices=Level.choices)
    jerks = serializers.ChoiceField(choices=Level.choices)
    eye_movements = serializers.ChoiceField(choices=Level.choices)
    illness = serializers.ChoiceField(choices=Illness.choices)
    immunisation = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.NOTE_MAX)


class PatientDiaryViewSet(viewsets.GenericViewSet):
    serializer_class = DiaryEntryOutput
    queryset = DiaryEntry.objects.none()  # names the model; rows come from the child

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = patient_get(user=request_user(request), pk=self.kwargs["patient_pk"])
        page = self.paginate_queryset(DiaryEntry.objects.filter(patient=patient).order_by("-day")) or []
        access_record(request=request, patients=patient, what="family diary")
        return self.get_paginated_response(DiaryEntryOutput(page, many=True).data)

    @extend_schema(request=DiaryEntryInput, responses={201: DiaryEntryOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Today's entry, made or changed (the answer is the saved entry)."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        refuse_unless(services.can_fill_in(user, patient), services.FAMILY_ONLY)
        data = DiaryEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        for name in ("unsteadiness", "jerks", "eye_movements"):
            values[name] = int(values[name])
        entry = services.diary_entry_save(actor=user, patient=patient, **values)
        return Response(DiaryEntryOutput(entry).data, status=status.HTTP_201_CREATED)
