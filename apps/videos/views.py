"""Family video pages: the family's upload (resumable, with a one-POST fallback without JavaScript),
their list and player; the staff list with the player and the review; and the range-served files.

Every page starts from a child or video the user may see (404 otherwise) and writes an AccessEvent;
a stream writes one per play (the request from byte 0, see ``serving.starts_a_play``, or any request
when none was recorded in the last half hour).
"""

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.decorators import family_required
from apps.patients.selectors import patient_get
from carecoord import uploads
from carecoord.errors import SERVICE_REFUSALS, ApplicationError, form_add_service_errors, refusal_messages

from . import review, selectors, services
from .forms import RecordNoteForm, ReviewForm, UploadStartForm, VideoForm
from .models import Video, VideoUpload
from .serving import ranged_response, starts_a_play

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


# --- The family's side ----------------------------------------------------------------------------


def _new_page(request: AuthedRequest, patient: Any, form: VideoForm, status: int = 200) -> HttpResponse:
    context = {
        "patient": patient,
        "form": form,
        "max_mb": settings.VIDEO_MAX_BYTES // (1024 * 1024),
        "chunk_bytes": min(settings.VIDEO_CHUNK_MAX_BYTES, 2 * 1024 * 1024),
        "types": uploads.VIDEO_TYPES_IN_WORDS,
    }
    return render(request, "videos/family_new.html", context, status=status)


@family_required
@require_GET
def family_list(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    videos = list(selectors.videos_of(user=request.user, patient=patient))
    access_record(request=request, patients=patient, what="portal videos")
    return render(request, "videos/family_list.html", {"patient": patient, "videos": videos})


@family_required
@require_http_methods(["GET", "POST"])
def family_new(request: AuthedRequest, pk: int) -> HttpResponse:
    """The form; its POST is the page without JavaScript (the script sends the file in parts)."""
    patient = patient_get(user=request.user, pk=pk)
    if request.method == "GET":
        access_record(request=request, patients=patient, what="portal video form")
        return _new_page(request, patient, VideoForm())
    form = VideoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            video = services.video_send(
                actor=request.user,
                patient=patient,
                file=form.file,
                note=form.cleaned_data["note"],
                seen_at=form.cleaned_data["seen_at"],
                share_with_family=form.cleaned_data["share_with_family"],
            )
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, _file_errors_on_camera(exc))
        else:
            messages.success(request, "Thank you. Your video has been sent.")
            return redirect("videos:family_video", pk=video.pk)
    return _new_page(request, patient, form, status=400)


def _file_errors_on_camera(exc: Exception) -> Exception:
    """The service names the file "file"; the form's file inputs are "camera" and "gallery"."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and "file" in exc.error_dict:
        errors = dict(exc.error_dict)
        errors["camera"] = errors.pop("file")
        return ValidationError(errors)
    return exc


def _json_refusal(exc: Exception, status: int = 400, **extra: Any) -> JsonResponse:
    fields: dict[str, list[str]] = {}
    code = "invalid"
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    if isinstance(exc, ApplicationError):
        code, status = exc.code, exc.status
    message = refusal_messages(exc)[0] if not fields else next(iter(fields.values()))[0]
    body = {"error": {"status": status, "code": code, "message": message, "fields": fields}, **extra}
    return JsonResponse(body, status=status)


def _upload_state(upload: VideoUpload) -> dict[str, Any]:
    state: dict[str, Any] = {
        "id": str(upload.pk),
        "offset": upload.received,
        "size": upload.total_size,
        "status": upload.status,
        "url": reverse("videos:upload", args=[upload.pk]),
        "finish_url": reverse("videos:upload_finish", args=[upload.pk]),
    }
    if upload.video_id:
        state["video_url"] = reverse("videos:family_video", args=[upload.video_id])
    return state


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@family_required
@require_POST
def upload_start(request: AuthedRequest, pk: int) -> JsonResponse:
    """Open a resumable upload: the size, the prompt's answers and the sharing choice (a form POST)."""
    patient = patient_get(user=request.user, pk=pk)
    form = UploadStartForm(request.POST)
    if not form.is_valid():
        return _json_refusal(ValidationError(dict(form.errors.items())))
    try:
        upload = services.upload_start(
            actor=request.user,
            patient=patient,
            total_size=form.cleaned_data["size"],
            note=form.cleaned_data["note"],
            seen_at=form.cleaned_data["seen_at"],
            share_with_family=form.cleaned_data["share_with_family"],
            sha256=form.cleaned_data["sha256"],
        )
    except SERVICE_REFUSALS as exc:
        return _json_refusal(exc)
    return JsonResponse(_upload_state(upload), status=201)


@family_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthedRequest, upload: str) -> JsonResponse:
    """GET: how much has arrived (the offset to resume from). POST: one part (the raw bytes), with
    ``Content-Range: bytes <first>-<last>/<size>``; a part that does not start at the offset is a 409
    that names the offset."""
    found = services.own_upload(user=request.user, upload_id=upload)
    if request.method == "GET":
        access_record(request=request, patients=found.patient, what="portal video upload")
        return JsonResponse(_upload_state(found))
    match = _CONTENT_RANGE.match(request.headers.get("Content-Range", "").strip())
    if not match:
        message = "Send each part with a Content-Range header: bytes first-last/size."
        return _json_refusal(ValidationError({"file": message}))
    first, last, total = (int(g) for g in match.groups())
    length = _int(request.META.get("CONTENT_LENGTH")) or 0
    if length > settings.VIDEO_CHUNK_MAX_BYTES or last - first + 1 > settings.VIDEO_CHUNK_MAX_BYTES:
        limit = settings.VIDEO_CHUNK_MAX_BYTES // (1024 * 1024)
        return _json_refusal(
            ValidationError({"file": f"Send the video in parts of {limit} MB or less."}), 413
        )
    data = request.read(settings.VIDEO_CHUNK_MAX_BYTES + 1)
    if len(data) != last - first + 1:
        return _json_refusal(
            ValidationError({"file": "Part of the video went missing on the way. Send it again."})
        )
    try:
        found = services.upload_chunk(
            actor=request.user,
            upload=found,
            start=first,
            data=data,
            total=total,
            sha256=request.headers.get("X-Content-SHA256", ""),
        )
    except ApplicationError as exc:
        current = VideoUpload.objects.filter(pk=found.pk).values_list("received", flat=True).first()
        return _json_refusal(exc, offset=current)
    except ValidationError as exc:
        return _json_refusal(exc)
    return JsonResponse(_upload_state(found))


@family_required
@require_POST
def upload_finish(request: AuthedRequest, upload: str) -> JsonResponse:
    found = services.own_upload(user=request.user, upload_id=upload)
    try:
        video = services.upload_finish(actor=request.user, upload=found)
    except SERVICE_REFUSALS as exc:
        return _json_refusal(exc)
    url = reverse("videos:family_video", args=[video.pk])
    return JsonResponse({"video": video.pk, "video_url": url, "status": video.status})


@family_required
@require_GET
def family_video(request: AuthedRequest, pk: int) -> HttpResponse:
    video = selectors.video_get(user=request.user, pk=pk)
    access_record(request=request, patients=video.patient, what="portal video")
    return render(request, "videos/family_video.html", {"video": video, "patient": video.patient})


def _stream(request: AuthedRequest, video: Video, *, thumbnail: bool = False) -> HttpResponseBase:
    if thumbnail:
        if not video.thumbnail_name:
            raise Http404
        access_record(request=request, patients=video.patient, what="video thumbnail")
        from . import storage

        size = storage.video_storage().size(video.thumbnail_name)
        return ranged_response(request, video.thumbnail_name, size, "image/jpeg")
    if video.status != Video.Status.READY:
        raise Http404
    download = request.GET.get("download") == "1"
    what = "video download" if download else "video play"
    if request.method == "GET" and (  # a HEAD plays nothing
        starts_a_play(request)
        or not selectors.play_recorded_lately(user=request.user, video=video, what=what)
    ):
        access_record(request=request, patients=video.patient, what=what)
    filename = f"video-{video.pk}.mp4"
    return ranged_response(
        request,
        video.playable_name,
        video.playable_size or 0,
        video.playable_type,
        filename=filename,
        download=download,
    )


@family_required
@require_http_methods(["GET", "HEAD"])
def family_stream(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _stream(request, selectors.video_get(user=request.user, pk=pk))


@family_required
@require_GET
def family_thumbnail(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _stream(request, selectors.video_get(user=request.user, pk=pk), thumbnail=True)


# --- The staff side -------------------------------------------------------------------------------


@staff_required
@require_GET
def staff_list(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    videos = selectors.videos_to_review(selectors.videos_of(user=request.user, patient=patient))
    access_record(request=request, patients=patient, what="family videos")
    can_review = review.can_review_child(request.user, patient.pk)
    context = {
        "patient": patient,
        "videos": videos,
        "tab": "videos",
        "can_review": can_review,
        "review_form": ReviewForm(),
        "note_form": RecordNoteForm(),
        "retention": review.retention_policy(),
    }
    return render(request, "videos/staff_list.html", context)


@staff_required
@require_http_methods(["GET", "HEAD"])
def staff_stream(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _stream(request, selectors.video_get(user=request.user, pk=pk))


@staff_required
@require_GET
def staff_thumbnail(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _stream(request, selectors.video_get(user=request.user, pk=pk), thumbnail=True)


def _staff_write(request: AuthedRequest, pk: int, form_class: type, run: Any, done: str) -> HttpResponse:
    video = selectors.video_get(user=request.user, pk=pk)
    if not review.can_review(request.user, video):
        raise PermissionDenied(review.CARE_TEAM_ONLY)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(actor=request.user, video=video, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            for message in refusal_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, done)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(reverse("videos:staff_list", args=[video.patient_id]) + f"#video-{video.pk}")


@staff_required
@require_POST
def staff_review(request: AuthedRequest, pk: int) -> HttpResponse:
    return _staff_write(request, pk, ReviewForm, review.video_review, "Review saved. The task is done.")


@staff_required
@require_POST
def staff_add_to_record(request: AuthedRequest, pk: int) -> HttpResponse:
    return _staff_write(
        request,
        pk,
        RecordNoteForm,
        review.video_add_to_record,
        "Added to the record. It is on the pathway timeline.",
    )
