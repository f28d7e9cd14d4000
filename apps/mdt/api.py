"""MDT meetings over the API (/api/v1/mdt/): meetings, listing a child, ordering, carry-over, outcomes.

Thin: a meeting comes from ``selectors.meeting_get`` (404 for anyone not staff) and a listed child from
``selectors.item_get`` (404 for anyone who may not see the child), then the service decides the role
(403). Every read of a child's listing is audited.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.pathways.models import Investigation, Relapse, SeverityScore
from apps.patients import access
from carecoord.clock import LondonDateTimeApiField
from carecoord.errors import refuse_unless

from . import selectors, services
from .models import Action, Item, Meeting, Outcome

STAFF_ONLY = "MDT meetings are for staff."


def _staff_users() -> Any:
    return selectors.staff_choices()


# --- Output ---------------------------------------------------------------------------------------


class ActionOutput(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)

    class Meta:
        model = Action
        fields = ["id", "description", "owner", "owner_name", "due_on", "task"]


class OutcomeOutput(serializers.ModelSerializer):
    actions = ActionOutput(many=True, read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "decision",
            "agreed_by",
            "tell_family",
            "recorded_by",
            "recorded_at",
            "amended_at",
            "actions",
        ]


class ItemOutput(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "id",
            "meeting",
            "patient",
            "patient_name",
            "question",
            "position",
            "status",
            "scores",
            "investigations",
            "relapses",
            "carried_from",
            "carry_reason",
            "added_by",
            "added_at",
            "outcome",
        ]

    def get_outcome(self, item: Item) -> dict | None:
        outcome = getattr(item, "outcome", None)
        return OutcomeOutput(outcome).data if outcome is not None else None


class MeetingOutput(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    chair_name = serializers.CharField(source="chair.full_name", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "team", "team_name", "title", "starts_at", "location", "chair", "chair_name"]


class MeetingDetailOutput(MeetingOutput):
    items = serializers.SerializerMethodField()
    hidden_items = serializers.SerializerMethodField(help_text="Children on the list you may not see.")

    class Meta(MeetingOutput.Meta):
        fields = [*MeetingOutput.Meta.fields, "items", "hidden_items"]

    @extend_schema(responses=ItemOutput(many=True))
    def get_items(self, meeting: Meeting) -> Any:
        return ItemOutput(self.context["items"], many=True).data

    def get_hidden_items(self, meeting: Meeting) -> int:
        return self.context["hidden"]


# --- Input ----------------------------------------------------------------------------------------


class MeetingInput(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    title = serializers.CharField(max_length=120)
    starts_at = LondonDateTimeApiField()
    location = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    chair = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())


class ItemInput(serializers.Serializer):
    patient = serializers.IntegerField(help_text="A child on your care team.")
    question = serializers.CharField()
    scores = serializers.PrimaryKeyRelatedField(
        queryset=SeverityScore.objects.all(), many=True, required=False
    )
    investigations = serializers.PrimaryKeyRelatedField(
        queryset=Investigation.objects.all(), many=True, required=False
    )
    relapses = serializers.PrimaryKeyRelatedField(queryset=Relapse.objects.all(), many=True, required=False)


class OrderInput(serializers.Serializer):
    item_ids = serializers.ListField(child=serializers.IntegerField(), help_text="Every item, in order.")


class CarryOverInput(serializers.Serializer):
    reason = serializers.CharField()


class ActionInput(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    due_on = serializers.DateField()


class OutcomeInput(serializers.Serializer):
    decision = serializers.CharField()
    agreed_by = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)
    tell_family = serializers.BooleanField(default=False)
    actions = ActionInput(many=True, required=False)


def _actions(data: dict) -> list[services.ActionSpec]:
    return [services.ActionSpec(a["description"], a["owner"], a["due_on"]) for a in data.get("actions", [])]


# --- Views ----------------------------------------------------------------------------------------


class MeetingViewSet(viewsets.GenericViewSet):
    serializer_class = MeetingOutput
    queryset = Meeting.objects.none()  # for the schema; every read goes through the selectors

    def get_queryset(self) -> Any:
        return selectors.upcoming_meetings(request_user(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        refuse_unless(roles.staff_role(request.user) is not None, STAFF_ONLY)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MeetingOutput(page, many=True).data)

    @extend_schema(request=MeetingInput, responses={201: MeetingOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        refuse_unless(roles.staff_role(request.user) is not None, STAFF_ONLY)
        data = MeetingInput(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_schedule(actor=request_user(request), **data.validated_data)
        return Response(MeetingOutput(meeting).data, status=status.HTTP_201_CREATED)

    def _detail(self, request: Request, meeting: Meeting) -> dict:
        user = request_user(request)
        items = selectors.items_of(user=user, meeting=meeting)
        access_record(request=request, patients=[i.patient for i in items], what="mdt meeting list")
        context = {"items": items, "hidden": selectors.hidden_item_count(user=user, meeting=meeting)}
        return MeetingDetailOutput(meeting, context=context).data

    @extend_schema(responses={200: MeetingDetailOutput})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = selectors.meeting_get(user=request_user(request), pk=self.kwargs["pk"])
        return Response(self._detail(request, meeting))

    @extend_schema(request=ItemInput, responses={201: ItemOutput})
    @action(detail=True, methods=["post"])
    def items(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List a child you care for, with the question and the pathway material to look at."""
        user = request_user(request)
        meeting = selectors.meeting_get(user=user, pk=self.kwargs["pk"])
        data = ItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        patient = access.visible_patients(user).filter(pk=fields.pop("patient")).first()
        if patient is None:
            raise serializers.ValidationError({"patient": ["Choose a child on your care team."]})
        item = services.item_add(actor=user, meeting=meeting, patient=patient, **fields)
        return Response(
            ItemOutput(selectors.item_get(user=user, pk=item.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=OrderInput, responses={200: MeetingDetailOutput})
    @action(detail=True, methods=["post"])
    def order(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The chair orders the list: name every item once, first to last."""
        user = request_user(request)
        meeting = selectors.meeting_get(user=user, pk=self.kwargs["pk"])
        data = OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.items_order(actor=user, meeting=meeting, item_ids=data.validated_data["item_ids"])
        return Response(self._detail(request, meeting))


class ItemViewSet(viewsets.GenericViewSet):
    serializer_class = ItemOutput
    queryset = Item.objects.none()  # for the schema; every read goes through the selectors

    def _item(self, request: Request) -> Item:
        return selectors.item_get(user=request_user(request), pk=self.kwargs["pk"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self._item(request)
        access_record(request=request, patients=item.patient, what="mdt listing")
        return Response(ItemOutput(item).data)

    @extend_schema(request=CarryOverInput, responses={201: ItemOutput})
    @action(detail=True, methods=["post"], url_path="carry-over")
    def carry_over(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Carry the child over to the team's next meeting, with the reason."""
        item = self._item(request)
        data = CarryOverInput(data=request.data)
        data.is_valid(raise_exception=True)
        carried = services.item_carry_over(actor=request_user(request), item=item, **data.validated_data)
        return Response(ItemOutput(carried).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OutcomeInput, responses={200: ItemOutput, 201: ItemOutput})
    @action(detail=True, methods=["post", "put"])
    def outcome(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """POST records the outcome (once; the actions become tasks); PUT amends it, keeping history."""
        user = request_user(request)
        item = self._item(request)
        data = OutcomeInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if request.method == "POST":
            services.outcome_record(
                actor=user,
                item=item,
                decision=d["decision"],
                agreed_by=d["agreed_by"],
                actions=_actions(d),
                tell_family=d["tell_family"],
            )
            code: int = status.HTTP_201_CREATED
        else:
            outcome = selectors.item_with_outcome_get(user=user, pk=item.pk)
            services.outcome_amend(
                actor=user,
                outcome=outcome,
                decision=d["decision"],
                agreed_by=d["agreed_by"],
                tell_family=d["tell_family"],
                new_actions=_actions(d),
            )
            code = status.HTTP_200_OK
        return Response(ItemOutput(selectors.item_get(user=user, pk=item.pk)).data, status=code)
