"""Severity scores (with totals and per-item values) and the active scales they are recorded against."""

from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.types import request_user
from carecoord.errors import refuse_unless

from .. import selectors, services
from ..models import ScaleItem, SeverityScale, SeverityScore, SeverityScoreValue
from ._base import IsClinicalStaff, PathwayChildViewSet


class ScaleItemOutput(serializers.ModelSerializer):
    class Meta:
        model = ScaleItem
        fields = ["code", "label", "minimum", "maximum", "position"]


class ScaleOutput(serializers.ModelSerializer):
    items = ScaleItemOutput(many=True, read_only=True)

    class Meta:
        model = SeverityScale
        fields = ["id", "name", "version", "description", "is_demo", "items"]


class ScoreValueOutput(serializers.ModelSerializer):
    code = serializers.CharField(source="item.code", read_only=True)
    label = serializers.CharField(source="item.label", read_only=True)  # type: ignore[assignment]  # DRF stubs: Field.label

    class Meta:
        model = SeverityScoreValue
        fields = ["code", "label", "value"]


class ScoreBriefOutput(serializers.ModelSerializer):
    """A score with its derived total; the rows come from ``selectors.scores_with_totals``."""

    scale_name = serializers.CharField(source="scale.name", read_only=True)
    scale_version = serializers.IntegerField(source="scale.version", read_only=True)
    assessor_name = serializers.CharField(source="assessor.full_name", read_only=True)
    total = serializers.IntegerField(read_only=True)
    max_total = serializers.IntegerField(read_only=True)
    is_partial = serializers.SerializerMethodField(help_text="Some items were not assessable (HAZ-12).")

    class Meta:
        model = SeverityScore
        fields = [
            "id",
            "scale",
            "scale_name",
            "scale_version",
            "assessed_on",
            "total",
            "max_total",
            "is_partial",
            "assessor",
            "assessor_name",
            "note",
            "recorded_at",
        ]

    def get_is_partial(self, score: SeverityScore) -> bool:
        return getattr(score, "not_assessable_items", 0) > 0


class ScoreOutput(ScoreBriefOutput):
    values = ScoreValueOutput(many=True, read_only=True)
    not_assessable = serializers.SerializerMethodField(
        help_text='Items not assessable, by code, with the reason ("age" or "unable"); their value is null.'
    )

    class Meta(ScoreBriefOutput.Meta):
        fields = [*ScoreBriefOutput.Meta.fields, "values", "not_assessable"]

    def get_not_assessable(self, score: SeverityScore) -> dict[str, str]:
        return {v.item.code: v.not_assessable for v in score.values.all() if v.not_assessable}


class ScoreInput(serializers.Serializer):
    scale = serializers.PrimaryKeyRelatedField(queryset=SeverityScale.objects.filter(is_active=True))
    assessed_on = serializers.DateField()
    values = serializers.DictField(
        child=serializers.IntegerField(), help_text="Every item of the scale, by code: {code: value}."
    )
    not_assessable = serializers.DictField(
        child=serializers.ChoiceField(choices=SeverityScoreValue.NotAssessable.choices),
        required=False,
        help_text='Items that could not be assessed, by code, with the reason: {code: "age" | "unable"}.',
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


def nest_item_errors(exc: DjangoValidationError, codes: Collection[str]) -> exceptions.ValidationError | None:
    """The service keys an item's error by the item's code (as the HTML form does); the API nests
    those under ``values``, where the client sent them. None when there is nothing to move."""
    if not hasattr(exc, "error_dict"):
        return None
    fields = exc.message_dict
    items: dict[str, Any] = {code: fields.pop(code) for code in list(fields) if code in codes}
    if not items:
        return None
    if "values" in fields:
        items["non_field_errors"] = fields.pop("values")
    return exceptions.ValidationError({**fields, "values": items})


class ScoreViewSet(mixins.CreateModelMixin, PathwayChildViewSet):
    serializer_class = ScoreOutput
    audit_what = "severity scores"

    def get_queryset(self) -> QuerySet[SeverityScore]:
        if getattr(self, "swagger_fake_view", False):
            return SeverityScore.objects.none()
        values = SeverityScoreValue.objects.select_related("item").order_by("item__position", "item_id")
        return selectors.scores_with_totals(self.get_patient()).prefetch_related(
            Prefetch("values", queryset=values)
        )

    @extend_schema(request=ScoreInput, responses={201: ScoreOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a score: every item of the scale version, each within its range. All or nothing."""
        patient = self.get_patient()
        refuse_unless(
            roles.can_record_score(request_user(request)), "Your role cannot record severity scores."
        )
        data = ScoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        scale = data.validated_data["scale"]
        try:
            score = services.score_record(actor=request_user(request), patient=patient, **data.validated_data)
        except DjangoValidationError as exc:
            nested = nest_item_errors(exc, {item.code for item in scale.items.all()})
            if nested is None:
                raise
            raise nested from exc
        return Response(
            ScoreOutput(self.get_queryset().get(pk=score.pk)).data, status=status.HTTP_201_CREATED
        )


class ScaleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The scales offered for new scores, with their items. Read-only; any staff member."""

    serializer_class = ScaleOutput
    permission_classes = [IsAuthenticated, IsClinicalStaff]

    def get_queryset(self) -> QuerySet[SeverityScale]:
        return selectors.active_scales().order_by("name", "-version")
