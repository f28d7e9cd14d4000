"""Documents for families: a child's letters and sharing one (multipart), one letter's details, its
download, and withdrawing it.

Thin, as in apps/messaging/api.py: a child is resolved through ``patient_get`` and a document through the
caller's selector (``document_get_for_staff`` or ``document_get_for_family``), so anyone out of scope gets
a 404 exactly like a missing document, and a family never sees a withdrawn one. Someone who can see a
document but may not do this (a family uploading or withdrawing) gets a 403 before the service is
called, and a service's refusal keeps its code (``stale`` is a 409). A family gets the family view,
without who uploaded it or withdrawn letters. Every read, and every download, is audited.
"""

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.selectors import patient_get
from carecoord.errors import refuse_unless
from carecoord.uploads import UPLOAD_MAX_BYTES

from . import generation, selectors, services
from .models import FamilyDocument

FILE_HELP = (
    f"A PDF, PNG or JPEG (checked by its content), up to {UPLOAD_MAX_BYTES // (1024 * 1024)} MB; "
    "send as multipart/form-data."
)

# --- Output ---------------------------------------------------------------------------------------


class FamilyDocumentOutput(serializers.ModelSerializer):
    """What a family may see of a letter: its title, date, kind and where to download it."""

    kind_label = serializers.CharField(read_only=True, help_text="PDF, PNG image or JPEG image.")
    download_url = serializers.SerializerMethodField(help_text="The API address that serves the file.")

    class Meta:
        model = FamilyDocument
        fields = ["id", "patient", "title", "dated", "content_type", "kind_label", "size", "download_url"]

    def get_download_url(self, document: FamilyDocument) -> str:
        return reverse("document-download", args=[document.pk])


class DocumentOutput(FamilyDocumentOutput):
    """The staff view, with who shared it and whether it has been withdrawn from the family."""

    uploaded_by_name = serializers.CharField(source="uploaded_by.full_name", read_only=True)

    class Meta(FamilyDocumentOutput.Meta):
        fields = [
            *FamilyDocumentOutput.Meta.fields,
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "is_withdrawn",
            "withdrawn_at",
            "kind",
            "version",
            "released_at",
            "released_by",
            "superseded_at",
        ]


def _for_caller(name: str) -> PolymorphicProxySerializer:
    """The schema of an answer that depends on who asks: staff get the staff view, a family theirs."""
    return PolymorphicProxySerializer(
        component_name=name,
        serializers=[DocumentOutput, FamilyDocumentOutput],
        resource_type_field_name=None,
    )


# --- Input ----------------------------------------------------------------------------------------


class DocumentInput(serializers.Serializer):
    """Field shapes only: the type (by content), size and date checks live in the service."""

    title = serializers.CharField(
        max_length=150, help_text="What the family will see, for example 'Clinic letter, March'."
    )
    dated = serializers.DateField(help_text="The date on the letter; not in the future.")
    file = serializers.FileField(allow_empty_file=True, help_text=FILE_HELP)


# --- Views ----------------------------------------------------------------------------------------


def _is_staff(user: User) -> bool:
    return roles.staff_role(user) is not None


def _output(user: User) -> type[FamilyDocumentOutput]:
    return DocumentOutput if _is_staff(user) else FamilyDocumentOutput


def document_get(*, user: User, pk: int) -> FamilyDocument:
    """A document of a child in the caller's scope, through the caller's selector; 404 otherwise.

    Only the child's id is read before the child is resolved through ``patient_get``, so a document
    of a child out of scope, a missing one and (for a family) a withdrawn one all look the same.
    """
    patient_id = FamilyDocument.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    patient = patient_get(user=user, pk=patient_id)
    get = selectors.document_get_for_staff if _is_staff(user) else selectors.document_get_for_family
    document = get(patient=patient, pk=pk)
    document.patient = patient
    return document


class DocumentsViewSet(viewsets.GenericViewSet):
    filter_backends: list = []


class PatientDocumentViewSet(DocumentsViewSet):
    """/patients/{patient_pk}/documents/: a child's letters, and sharing one with the family."""

    serializer_class = DocumentOutput
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: _for_caller("DocumentForCaller")})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The child's letters, newest first. Staff see withdrawn ones too (marked); a family sees
        only those still shared with them."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        if _is_staff(user):
            documents = selectors.documents_for_staff(patient=patient)
        else:
            documents = selectors.documents_for_family(patient=patient)
        page = self.paginate_queryset(documents) or []
        access_record(request=request, patients=patient, what="documents")
        return self.get_paginated_response(_output(user)(page, many=True).data)

    @extend_schema(request={"multipart/form-data": DocumentInput}, responses={201: DocumentOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Share a letter with the family (staff). Every active guardian is told, in the app and by an
        email that says only that there is something new."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        refuse_unless(_is_staff(user), "Only staff can share letters with the family.")
        data = DocumentInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        document = services.document_upload(
            actor=user, patient=patient, title=fields["title"], dated=fields["dated"], upload=fields["file"]
        )
        document = selectors.document_get_for_staff(patient=patient, pk=document.pk)
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class DocumentViewSet(DocumentsViewSet):
    """/documents/{id}/: one letter, its file, and withdrawing it."""

    serializer_class = DocumentOutput

    @extend_schema(responses={200: _for_caller("DocumentForCaller")})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A letter's details (not its file)."""
        user = request_user(request)
        document = document_get(user=user, pk=self.kwargs["pk"])
        access_record(request=request, patients=document.patient, what="documents")
        return Response(_output(user)(document).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """The file itself, named by its date and title. Every download is audited."""
        user = request_user(request)
        document = document_get(user=user, pk=self.kwargs["pk"])
        access_record(request=request, patients=document.patient, what="document download")
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.download_name,
            content_type=document.content_type,
        )

    @extend_schema(request=None, responses={200: DocumentOutput})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Release a generated letter to the family (staff): it appears in their portal, replacing an
        earlier released version, and every guardian is told. Releasing it twice is a 409."""
        user = request_user(request)
        document = document_get(user=user, pk=self.kwargs["pk"])
        refuse_unless(_is_staff(user), "Only staff can release a letter to the family.")
        generation.document_release(actor=user, document=document)
        released = selectors.document_get_for_staff(patient=document.patient, pk=document.pk)
        return Response(DocumentOutput(released).data)

    @extend_schema(request=None, responses={200: DocumentOutput})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Stop showing a letter to the family (staff). It is kept for the record; withdrawing it
        again is a 409."""
        user = request_user(request)
        document = document_get(user=user, pk=self.kwargs["pk"])
        refuse_unless(_is_staff(user), "Only staff can withdraw a letter.")
        services.document_withdraw(actor=user, document=document)
        withdrawn = selectors.document_get_for_staff(patient=document.patient, pk=document.pk)
        return Response(DocumentOutput(withdrawn).data)
