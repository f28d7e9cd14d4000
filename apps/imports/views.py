"""Caseload import pages: upload, the dry run (polled with htmx while a job runs), Apply, and export.

Thin: the services decide who may import (403) and what each row does; an import is its uploader's
(anyone else's is a 404). Showing a dry run that names children already on record audits the read.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from apps.accounts import roles
from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.models import AccessEvent
from apps.audit.services import access_record
from apps.patients import access
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from . import export, selectors, services
from .forms import ApplyForm, ExportForm, UploadForm
from .models import CaseloadImport, ImportRow

RUNNING = (CaseloadImport.Status.PLANNING, CaseloadImport.Status.APPLYING)


def _refuse_unless_importer(request: AuthedRequest) -> None:
    if not roles.can_import_caseload(request.user):
        raise PermissionDenied("Only the clinic administrator and nurse specialists can import a caseload.")


def csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")  # BOM: Excel reads UTF-8
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def import_home(request: AuthedRequest) -> HttpResponse:
    _refuse_unless_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_upload(
                actor=request.user, team=form.cleaned_data["team"], filename=upload.name, data=upload.read()
            )
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("imports:detail", pk=job.pk)
    context = {"form": form, "imports": selectors.imports_of(user=request.user)[:20]}
    return render(request, "imports/home.html", context, status=400 if form.errors else 200)


@staff_required
@require_GET
def import_template(request: AuthedRequest) -> HttpResponse:
    return csv_response(export.template_csv(), "caseload-template.csv")


PLAN_PAGE_ROWS = 100


def _audit_plan(request: AuthedRequest, rows: list[ImportRow]) -> None:
    """A dry run shows what is on record for children already registered: a read of each one shown."""
    patients = [row.patient for row in rows if row.patient is not None]
    if patients:
        access_record(request=request, patients=patients, what="caseload import", basis=access.ADMIN)


def _progress_context(job: CaseloadImport) -> dict[str, object]:
    counts = services.import_counts(job)
    return {"job": job, "counts": counts, "running": job.status in RUNNING}


@staff_required
@require_GET
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    job = selectors.import_get(user=request.user, pk=pk)
    context = _progress_context(job)
    if job.status not in RUNNING:
        rows = selectors.import_rows(job=job, outcome=request.GET.get("outcome", "")).select_related(
            "patient"
        )
        page = Paginator(rows, PLAN_PAGE_ROWS).get_page(request.GET.get("page"))
        _audit_plan(request, list(page.object_list))
        context.update(rows=page.object_list, page=page, outcome=request.GET.get("outcome", ""))
    context["apply_form"] = ApplyForm(initial={"content_sha256": job.content_sha256})
    return render(request, "imports/detail.html", context)


@staff_required
@require_GET
def import_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The job's counts, polled by the page while it runs; once it has finished, the page reloads."""
    job = selectors.import_get(user=request.user, pk=pk)
    if request.htmx and job.status not in RUNNING:
        return HttpResponseClientRefresh()
    return render(request, "imports/_progress.html", _progress_context(job))


@staff_required
@require_POST
def import_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    job = selectors.import_get(user=request.user, pk=pk)
    form = ApplyForm(request.POST)
    sha = form.cleaned_data["content_sha256"] if form.is_valid() else ""
    try:
        job = services.import_apply(actor=request.user, job=job, content_sha256=sha)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        if job.status == CaseloadImport.Status.APPLIED:
            messages.success(request, "The import has been applied.")
    return redirect("imports:detail", pk=job.pk)


@staff_required
@require_GET
def caseload_export(request: AuthedRequest) -> HttpResponse:
    """The form, or with ?team= the team's caseload as CSV in the import's columns (audited as an export)."""
    _refuse_unless_importer(request)
    form = ExportForm(request.GET if "team" in request.GET else None, user=request.user)
    if not form.is_valid():
        return render(request, "imports/export.html", {"form": form}, status=400 if form.errors else 200)
    team = form.cleaned_data["team"]
    patients = list(selectors.team_caseload(user=request.user, team=team))
    access_record(
        request=request,
        patients=patients,
        what="caseload export (CSV)",
        channel=AccessEvent.Channel.EXPORT,
        basis=access.ADMIN,
    )
    return csv_response(
        export.caseload_csv(patients), f"caseload-{team.code}-{timezone.localdate():%Y-%m-%d}.csv"
    )
