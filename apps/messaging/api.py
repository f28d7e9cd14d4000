"""Messaging endpoints: a child's threads and starting one, the inbox, one thread with its messages,
posting (JSON or multipart with files), marking read, staff marking handled / needs a reply, and
downloading an attachment.

Thin, as in apps/scheduling/api and apps/referrals/api.py: a child is resolved through ``patient_get`` and
a thread through ``selectors.thread_get``, so anyone out of scope gets a 404 exactly like a missing one;
a family never sees a staff-only thread, so it is a 404 to them too. Someone who can see the thread but
may not do this (a family marking it handled) gets a 403 before the service is called, and a service's
refusal keeps its code (``permission_denied`` is a 403). A family gets the family view, with no
internal flags. Message bodies are returned as the plain text that was written: clients escape them.
Reads are audited once per request.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import refuse_unless

from . import selectors, services
from .models import MESSAGE_MAX_LENGTH, Message, MessageAttachment, Thread

FILES_HELP = "Up to 3 files (PDF, PNG or JPEG, up to 5 MB each); send as multipart/form-data."

# --- Output ---------------------------------------------------------------------------------------


class AttachmentOutput(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="The API address that serves the file.")

    class Meta:
        model = MessageAttachment
        fields = ["id", "original_name", "content_type", "size", "download_url"]

    def get_download_url(self, attachment: MessageAttachment) -> str:
        return reverse("thread-attachment", args=[attachment.message.thread_id, attachment.pk])


class FamilyMessageOutput(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.full_name", read_only=True)
    body = serializers.CharField(read_only=True, help_text="Plain text as written; escape it to display.")
    attachments = AttachmentOutput(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "author_name", "from_family", "body", "created_at", "attachments"]


class MessageOutput(FamilyMessageOutput):
    class Meta(FamilyMessageOutput.Meta):
        fields = ["id", "author", *FamilyMessageOutput.Meta.fields[1:]]


class FamilyThreadOutput(serializers.ModelSerializer):
    """What a family may see of a conversation with the care team."""

    unread = serializers.SerializerMethodField(help_text="Messages from others since the caller last read.")

    class Meta:
        model = Thread
        fields = ["id", "patient", "subject", "created_at", "last_message_at", "unread"]

    def get_unread(self, thread: Thread) -> int:
        return getattr(thread, "unread", None) or 0


class ThreadOutput(FamilyThreadOutput):
    """The staff view of a thread, with who it is with and its response-target flags."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by_name = serializers.CharField(source="created_by.full_name", read_only=True)
    awaiting_reply_since = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="The first family message not yet answered by staff."
    )
    escalated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the response target passed; null otherwise."
    )

    class Meta(FamilyThreadOutput.Meta):
        fields = [
            *FamilyThreadOutput.Meta.fields,
            "kind",
            "kind_label",
            "status",
            "status_label",
            "created_by",
            "created_by_name",
            "awaiting_reply_since",
            "escalated_at",
        ]


class FamilyThreadDetailOutput(FamilyThreadOutput):
    messages = FamilyMessageOutput(many=True, read_only=True, help_text="Oldest first.")

    class Meta(FamilyThreadOutput.Meta):
        fields = [*FamilyThreadOutput.Meta.fields, "messages"]


class ThreadDetailOutput(ThreadOutput):
    messages = MessageOutput(many=True, read_only=True, help_text="Oldest first.")

    class Meta(ThreadOutput.Meta):
        fields = [*ThreadOutput.Meta.fields, "messages"]


def _for_caller(
    name: str, staff: type[serializers.Serializer], family: type[serializers.Serializer]
) -> PolymorphicProxySerializer:
    """The schema of an answer that depends on who asks: staff get ``staff``, a family ``family``."""
    return PolymorphicProxySerializer(
        component_name=name, serializers=[staff, family], resource_type_field_name=None
    )


# --- Input ----------------------------------------------------------------------------------------


class ThreadListQuery(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Thread.Kind.choices, required=False, help_text="Staff only; a family sees family threads."
    )


class MessageInput(serializers.Serializer):
    body = serializers.CharField(
        allow_blank=True, help_text=f"Plain text, up to {MESSAGE_MAX_LENGTH} characters."
    )
    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, default=list, help_text=FILES_HELP
    )


class ThreadInput(MessageInput):
    subject = serializers.CharField(allow_blank=True, max_length=150)
    kind = serializers.ChoiceField(
        choices=Thread.Kind.choices,
        default=Thread.Kind.FAMILY,
        help_text="Who the conversation is with; families can only start family threads (403).",
    )


class ThreadMarkInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Thread.Status.choices)
    seen_last_message_id = serializers.IntegerField(
        required=False,
        help_text="The newest message you read; 'handled' is refused (409) if the family wrote since.",
    )


# --- Views ----------------------------------------------------------------------------------------


def _with_messages(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """With each thread's messages (oldest first), their authors and files: two more queries."""
    messages = Message.objects.select_related("author").prefetch_related("attachments")
    return threads.prefetch_related(Prefetch("messages", queryset=messages))


def _is_staff(user: User) -> bool:
    return roles.staff_role(user) is not None


class MessagingViewSet(viewsets.GenericViewSet):
    filter_backends: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def thread_with_messages(self, user: User, pk: int) -> Thread:
        """A thread in the caller's scope with its unread count and messages; 404 otherwise."""
        threads = selectors.with_unread(selectors.threads_visible_to(user), user)
        return get_object_or_404(_with_messages(threads.select_related("patient", "created_by")), pk=pk)

    def detail_data(self, user: User, thread: Thread) -> dict:
        output = ThreadDetailOutput if _is_staff(user) else FamilyThreadDetailOutput
        return output(thread).data

    def page_of(
        self, request: Request, user: User, threads: QuerySet[Thread], patient: Patient | None = None
    ) -> Response:
        """A page of threads in the caller's view, audited for the child asked about (or each listed)."""
        page = self.paginate_queryset(threads.select_related("created_by")) or []
        patients = [patient] if patient is not None else {t.patient for t in page}
        access_record(request=request, patients=patients, what="messages")
        output = ThreadOutput if _is_staff(user) else FamilyThreadOutput
        return self.get_paginated_response(output(page, many=True).data)


class PatientThreadViewSet(MessagingViewSet):
    """/patients/{patient_pk}/threads/: a child's conversations, and starting one."""

    serializer_class = ThreadOutput

    @extend_schema(
        parameters=[ThreadListQuery],
        responses={200: _for_caller("ThreadForCaller", ThreadOutput, FamilyThreadOutput)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The child's threads, those needing a reply first, then the newest. A family sees only the
        conversations with the care team, never staff-only ones."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        query = ThreadListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        threads = selectors.inbox(user=user, patient=patient, kind=query.validated_data.get("kind", ""))
        return self.page_of(request, user, threads, patient)

    @extend_schema(
        request=ThreadInput,
        responses={201: _for_caller("ThreadDetailForCaller", ThreadDetailOutput, FamilyThreadDetailOutput)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a conversation about the child with its first message. The child's named nurse is told
        in the app and by an email without content."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        data = ThreadInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        thread = services.thread_start(
            actor=user,
            patient=patient,
            subject=fields["subject"],
            body=fields["body"],
            kind=fields["kind"],
            attachments=fields["file"],
        )
        return Response(
            self.detail_data(user, self.thread_with_messages(user, thread.pk)), status=status.HTTP_201_CREATED
        )


class ThreadViewSet(MessagingViewSet):
    """/threads/: the caller's inbox, and one thread with its messages and actions."""

    serializer_class = ThreadDetailOutput

    @extend_schema(
        parameters=[ThreadListQuery],
        responses={200: _for_caller("ThreadForCaller", ThreadOutput, FamilyThreadOutput)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every thread the caller can see, across children: those needing a reply first."""
        user = request_user(request)
        query = ThreadListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        threads = selectors.inbox(user=user, kind=query.validated_data.get("kind", ""))
        return self.page_of(request, user, threads)

    @extend_schema(
        responses={200: _for_caller("ThreadDetailForCaller", ThreadDetailOutput, FamilyThreadDetailOutput)}
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One thread with all its messages, oldest first. Reading it does not mark it read."""
        user = request_user(request)
        thread = self.thread_with_messages(user, self.kwargs["pk"])
        access_record(request=request, patients=thread.patient, what="messages")
        return Response(self.detail_data(user, thread))

    @extend_schema(
        request=MessageInput,
        responses={201: _for_caller("MessageForCaller", MessageOutput, FamilyMessageOutput)},
    )
    @action(detail=True, methods=["post"])
    def messages(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Post a message, with files if sent as multipart. A staff reply answers the family: it clears
        the needs-reply flag and any escalation."""
        user = request_user(request)
        thread = selectors.thread_get(user=user, pk=self.kwargs["pk"])
        data = MessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_post(
            actor=user,
            thread=thread,
            body=data.validated_data["body"],
            attachments=data.validated_data["file"],
        )
        output = MessageOutput if _is_staff(user) else FamilyMessageOutput
        return Response(output(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark the thread read up to now, for the caller only."""
        user = request_user(request)
        thread = selectors.thread_get(user=user, pk=self.kwargs["pk"])
        services.thread_mark_read(actor=user, thread=thread)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ThreadMarkInput, responses={200: ThreadDetailOutput})
    @action(detail=True, methods=["post"])
    def mark(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Staff mark a thread handled (no reply needed; clears any escalation) or needing a reply."""
        user = request_user(request)
        thread = selectors.thread_get(user=user, pk=self.kwargs["pk"])
        refuse_unless(_is_staff(user), "Only staff can mark a conversation handled or needing a reply.")
        data = ThreadMarkInput(data=request.data)
        data.is_valid(raise_exception=True)
        thread = services.thread_mark(
            actor=user,
            thread=thread,
            status=data.validated_data["status"],
            seen_last_message_id=data.validated_data.get("seen_last_message_id"),
        )
        return Response(self.detail_data(user, self.thread_with_messages(user, thread.pk)))

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def attachment(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """Download one file of the thread, audited. A file of any other thread is a 404."""
        user = request_user(request)
        thread = selectors.thread_get(user=user, pk=self.kwargs["pk"])
        attachment = get_object_or_404(
            MessageAttachment, pk=self.kwargs["attachment_pk"], message__thread=thread
        )
        access_record(request=request, patients=thread.patient, what="message attachment")
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
