"""Documents for families: staff share letters on the child's record; the family lists and downloads them
in the portal. Every download is audited."""

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.decorators import family_required
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from . import generation, selectors, services
from .forms import DocumentForm
from .models import FamilyDocument


def _download(document: FamilyDocument) -> FileResponse:
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.download_name,
        content_type=document.content_type,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_documents(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_upload(
                actor=request.user,
                patient=patient,
                title=data["title"],
                dated=data["dated"],
                upload=data["file"],
            )
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"“{document.title}” is now in the family's portal. They have been told."
            )
            return redirect("documents:staff_list", pk=patient.pk)
    access_record(request=request, patients=patient, what="documents")
    context = {
        "patient": patient,
        "form": form,
        "documents": selectors.documents_for_staff(patient=patient),
        "released_elsewhere": set(generation.RELEASED_ELSEWHERE),
        "via_break_glass": access.is_break_glass_access(request.user, patient),
    }
    return render(request, "documents/staff_list.html", context, status=400 if form.errors else 200)


@staff_required
@require_GET
def staff_download(request: AuthedRequest, pk: int, document_pk: int) -> FileResponse:
    patient = patient_get(user=request.user, pk=pk)
    document = selectors.document_get_for_staff(patient=patient, pk=document_pk)
    access_record(request=request, patients=patient, what="document download")
    return _download(document)


@staff_required
@require_POST
def staff_withdraw(request: AuthedRequest, pk: int, document_pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    document = selectors.document_get_for_staff(patient=patient, pk=document_pk)
    try:
        services.document_withdraw(actor=request.user, document=document)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, f"“{document.title}” has been withdrawn from the family's portal.")
    return redirect("documents:staff_list", pk=patient.pk)


@staff_required
@require_POST
def staff_release(request: AuthedRequest, pk: int, document_pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    document = selectors.document_get_for_staff(patient=patient, pk=document_pk)
    try:
        generation.document_release(actor=request.user, document=document)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, f"“{document.title}” is now in the family's portal. They have been told.")
    return redirect("documents:staff_list", pk=patient.pk)


@family_required
@require_GET
def family_documents(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    access_record(request=request, patients=patient, what="portal documents")
    context = {"patient": patient, "documents": selectors.documents_for_family(patient=patient)}
    return render(request, "documents/family_list.html", context)


@family_required
@require_GET
def family_download(request: AuthedRequest, pk: int, document_pk: int) -> FileResponse:
    patient = patient_get(user=request.user, pk=pk)
    document = selectors.document_get_for_family(patient=patient, pk=document_pk)
    access_record(request=request, patients=patient, what="document download")
    return _download(document)
