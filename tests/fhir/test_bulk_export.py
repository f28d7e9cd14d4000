"""Bulk Data export (Group/{team}/$export): kick-off, status, manifest, downloads, refusals, expiry,
cancel, one export at a time, and the audit of every download."""

import base64
import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.models import Team
from apps.audit.models import AccessEvent
from apps.fhir import bulk, services, tasks
from apps.fhir.models import BulkExport, BulkExportFile, IntegrationClient
from apps.patients.models import Patient
from tests.factories import StaffFactory

from .conftest import FHIR_JSON, validate
from .fixtures import REGIMEN_TEXT, STAFF_ONLY_TEXT, make_record

KICK_OFF = {"HTTP_ACCEPT": FHIR_JSON, "HTTP_PREFER": "respond-async"}


@pytest.fixture(autouse=True)
def _private_export_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.FHIR_EXPORT_DIR = tmp_path / "fhir-exports"


def _bearer(client, made: IntegrationClient, secret: str, scope: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    basic = base64.b64encode(f"{made.application.client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = client.post("/o/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def _make_client(cast, team: Team, name: str, scopes: str = "system/*.read"):  # type: ignore[no-untyped-def]
    made, _, secret = services.integration_client_create(
        actor=cast.admin, name=name, teams=[team], scopes=scopes
    )
    return made, secret


@pytest.fixture
def team_a(cast) -> Team:  # type: ignore[no-untyped-def]
    return Team.objects.get(members__user=cast.nurse_a)


@pytest.fixture
def engine(cast, team_a):  # type: ignore[no-untyped-def]
    return _make_client(cast, team_a, "EPR engine")


@pytest.fixture
def bearer(client, engine):  # type: ignore[no-untyped-def]
    return _bearer(client, *engine)


@pytest.fixture
def records(cast):  # type: ignore[no-untyped-def]
    a = make_record(cast.child_a, cast.nurse_a, cast.family_a)
    other_nurse = StaffFactory(role="nurse_specialist", role__teams=["oncology"])
    b = make_record(cast.child_b, other_nurse, cast.family_b)
    return a, b


def _kick_off(client, team: Team, bearer: dict, query: str = "", **headers: str):  # type: ignore[no-untyped-def]
    response = client.get(f"/fhir/Group/{team.pk}/$export{query}", **{**KICK_OFF, **bearer, **headers})
    assert response["Content-Type"].startswith(FHIR_JSON), response["Content-Type"]
    validate(response.json())  # an OperationOutcome, whatever the answer
    return response


def _status_path(response) -> str:  # type: ignore[no-untyped-def]
    return response["Content-Location"].removeprefix("http://testserver")


def _download(client, url: str, bearer: dict) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get(
        url.removeprefix("http://testserver"), HTTP_ACCEPT="application/fhir+ndjson", **bearer
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+ndjson"
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def _subject_ids(resource: dict) -> set[str]:
    """Every Patient a resource points at (or the Patient itself)."""
    if resource["resourceType"] == "Patient":
        return {resource["id"]}
    found = set()
    for key in ("subject", "patient", "for"):
        if key in resource:
            found.add(resource[key]["reference"].removeprefix("Patient/"))
    for participant in resource.get("participant", []):
        reference = participant.get("actor", {}).get("reference", "")
        if reference.startswith("Patient/"):
            found.add(reference.removeprefix("Patient/"))
    return found


def test_kick_off_poll_then_download_every_file_of_the_teams_children_only(
    client, cast, team_a, engine, bearer, records
):
    made, _ = engine
    kicked = _kick_off(client, team_a, bearer)
    assert kicked.status_code == 202
    status_path = _status_path(kicked)
    assert status_path.startswith("/fhir/$export-status/")

    running = client.get(status_path, **bearer)
    assert running.status_code == 202 and running["X-Progress"] and running["Retry-After"]
    validate(running.json())

    tasks.run_bulk_export(str(BulkExport.objects.get().pk))
    done = client.get(status_path, **bearer)
    assert done.status_code == 200 and done["Content-Type"].startswith("application/json")
    assert done["Expires"]
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"].endswith(f"/fhir/Group/{team_a.pk}/$export")
    datetime.datetime.fromisoformat(manifest["transactionTime"])
    exported = {item["type"] for item in manifest["output"]}
    assert {
        "Patient",
        "RelatedPerson",
        "CareTeam",
        "Observation",
        "Condition",
        "Communication",
        "Flag",
    } <= exported
    assert exported <= set(bulk.EXPORT_TYPES)

    for item in manifest["output"]:
        resources = _download(client, item["url"], bearer)
        assert len(resources) == item["count"] > 0
        for resource in resources:
            assert resource["resourceType"] == item["type"]
            validate(resource)  # each line, with the R4B model of its type
            assert _subject_ids(resource) == {str(cast.child_a.pk)}, resource
        body = json.dumps(resources)
        assert STAFF_ONLY_TEXT not in body and REGIMEN_TEXT not in body

    # Every download is audited: one event per child in the file, as the client, over FHIR.
    events = AccessEvent.objects.filter(user=made.service_user)
    assert events.count() == len(manifest["output"])
    assert set(events.values_list("patient_id", "channel", "basis")) == {
        (cast.child_a.pk, "fhir", "integration")
    }
    assert {e.what for e in events} == {f"fhir:$export {item['type']}" for item in manifest["output"]}
    assert not AccessEvent.objects.filter(patient=cast.child_b).exists()


def test_the_files_are_private_and_live_outside_static_and_media(settings, client, team_a, bearer, records):
    _kick_off(client, team_a, bearer)
    export = BulkExport.objects.get()
    bulk.bulk_export_run(export_id=str(export.pk))
    stored = BulkExportFile.objects.filter(export=export).first()
    path = settings.FHIR_EXPORT_DIR / stored.name
    assert path.exists()
    assert not str(path).startswith((str(settings.STATIC_ROOT), str(settings.MEDIA_ROOT)))


def test_another_client_or_staff_gets_404_for_the_status_and_files(
    client, cast, team_a, engine, bearer, records
):
    _kick_off(client, team_a, bearer)
    export = BulkExport.objects.get()
    bulk.bulk_export_run(export_id=str(export.pk))
    status_path = f"/fhir/$export-status/{export.pk}"
    file_path = f"/fhir/$export-file/{export.files.first().pk}"
    cast_team = Team.objects.create(code="oncology-x", name="Oncology X")
    stranger, secret = _make_client(cast, cast_team, "Other engine")
    colleague, colleague_secret = _make_client(cast, team_a, "Same team, another client")
    for headers in (_bearer(client, stranger, secret), _bearer(client, colleague, colleague_secret)):
        for path in (status_path, file_path):
            response = client.get(path, **headers)
            assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"
        assert client.delete(status_path, **headers).status_code == 404
    client.force_login(cast.nurse_a)  # staff with a session: not an export of theirs either
    for path in (status_path, file_path, "/fhir/$export-status/not-a-uuid", "/fhir/$export-file/0"):
        assert client.get(path).status_code == 404
    assert not AccessEvent.objects.exists()
    assert BulkExport.objects.get().status == "done"


def test_kick_off_is_for_clients_bound_to_the_team(client, cast, team_a, bearer):
    other = Team.objects.create(code="oncology-y", name="Oncology Y")
    assert _kick_off(client, other, bearer).status_code == 404
    response = client.get("/fhir/Group/999999/$export", **KICK_OFF, **bearer)
    assert response.status_code == 404
    for user in (cast.nurse_a, cast.admin, cast.family_a):
        client.force_login(user)
        response = client.get(f"/fhir/Group/{team_a.pk}/$export", **KICK_OFF)
        assert response.status_code == 403 and response.json()["issue"][0]["code"] == "forbidden"
    client.logout()
    assert client.get(f"/fhir/Group/{team_a.pk}/$export", **KICK_OFF).status_code in (401, 403)
    assert not BulkExport.objects.exists()


@pytest.mark.parametrize(
    ("query", "headers", "status", "words"),
    [
        ("", {"HTTP_PREFER": ""}, 400, "Prefer: respond-async"),
        ("", {"HTTP_ACCEPT": "application/json"}, 400, "Accept: application/fhir+json"),
        ("", {"HTTP_ACCEPT": "text/html"}, 406, "application/fhir+json"),
        ("?_type=Observation,Spaceship", {}, 400, "Spaceship"),
        ("?_type=Practitioner", {}, 400, "does not export"),
        ("?_count=5", {}, 400, "_count"),
        ("?_since=yesterday", {}, 400, "_since"),
        ("?_since=2999-01-01T00:00:00Z", {}, 400, "future"),
        ("?_outputFormat=text/csv", {}, 400, "_outputFormat"),
    ],
)
def test_a_bad_kick_off_is_refused_with_an_outcome_and_writes_nothing(
    client, team_a, bearer, query, headers, status, words
):
    response = _kick_off(client, team_a, bearer, query, **headers)
    assert response.status_code == status
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and words in body["issue"][0]["diagnostics"]
    assert not BulkExport.objects.exists()


def test_types_follow_the_tokens_scopes(client, cast, team_a):
    made, secret = _make_client(cast, team_a, "Narrow", scopes="system/Patient.read system/Observation.read")
    headers = _bearer(client, made, secret)
    response = _kick_off(client, team_a, headers, "?_type=Condition")
    assert response.status_code == 403 and "Condition" in response.json()["issue"][0]["diagnostics"]
    assert _kick_off(client, team_a, headers).status_code == 202
    assert BulkExport.objects.get().types == ["Patient", "Observation"]


def test_a_second_export_while_one_runs_is_429(client, team_a, bearer):
    assert _kick_off(client, team_a, bearer).status_code == 202
    second = _kick_off(client, team_a, bearer, "?_type=Patient")
    assert second.status_code == 429 and second["Retry-After"]
    assert second.json()["issue"][0]["code"] == "throttled"
    assert BulkExport.objects.count() == 1
    bulk.bulk_export_run(export_id=str(BulkExport.objects.get().pk))
    assert _kick_off(client, team_a, bearer, "?_type=Patient").status_code == 202  # once it is done


def test_type_and_since_narrow_the_export(client, cast, team_a, bearer, records):
    past = timezone.now() - datetime.timedelta(days=1)
    Patient.objects.filter(pk=cast.child_a.pk).update(updated_at=past - datetime.timedelta(days=1))
    _kick_off(
        client, team_a, bearer, f"?_type=Patient,Observation&_since={past.isoformat().replace('+', '%2B')}"
    )
    export = BulkExport.objects.get()
    assert export.types == ["Patient", "Observation"] and export.since == past
    bulk.bulk_export_run(export_id=str(export.pk))
    manifest = client.get(f"/fhir/$export-status/{export.pk}", **bearer).json()
    # The child's demographics did not change since then; Observations carry no change time, so all go.
    assert [item["type"] for item in manifest["output"]] == ["Observation"]


def test_cancel_deletes_the_export_and_its_files(settings, client, team_a, bearer, records):
    status_path = _status_path(_kick_off(client, team_a, bearer))
    export = BulkExport.objects.get()
    bulk.bulk_export_run(export_id=str(export.pk))
    file_path = f"/fhir/$export-file/{export.files.first().pk}"
    names = [settings.FHIR_EXPORT_DIR / f.name for f in export.files.all()]
    response = client.delete(status_path, **bearer)
    assert response.status_code == 202 and response.json()["resourceType"] == "OperationOutcome"
    assert client.get(status_path, **bearer).status_code == 404
    assert client.get(file_path, **bearer).status_code == 404
    assert not any(path.exists() for path in names) and not BulkExportFile.objects.exists()
    assert _kick_off(client, team_a, bearer).status_code == 202  # the client may start again


def test_a_cancelled_pending_export_is_never_run(client, team_a, bearer, records):
    status_path = _status_path(_kick_off(client, team_a, bearer))
    assert client.delete(status_path, **bearer).status_code == 202
    bulk.bulk_export_run(export_id=str(BulkExport.objects.get().pk))
    assert not BulkExportFile.objects.exists()


def test_expired_exports_answer_404_and_the_beat_job_removes_files_and_rows(
    settings, client, team_a, engine, bearer, records
):
    status_path = _status_path(_kick_off(client, team_a, bearer))
    export = BulkExport.objects.get()
    bulk.bulk_export_run(export_id=str(export.pk))
    file_path = f"/fhir/$export-file/{export.files.first().pk}"
    directory = settings.FHIR_EXPORT_DIR / str(export.pk)
    assert directory.exists()
    later = timezone.now() + datetime.timedelta(hours=settings.FHIR_EXPORT_HOURS, minutes=1)
    with time_machine.travel(later):
        bearer = _bearer(client, *engine)  # the first token expired long ago
        for path in (status_path, file_path):  # expired before the job has run: already gone
            response = client.get(path, **bearer)
            assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"
        assert tasks.sweep_bulk_exports() == (0, 1)
        assert client.get(status_path, **bearer).status_code == 404
    assert not BulkExport.objects.exists() and not BulkExportFile.objects.exists()
    assert not directory.exists()


def test_a_pending_export_whose_job_was_lost_is_queued_again(monkeypatch, client, team_a, bearer):
    _kick_off(client, team_a, bearer)  # on_commit never ran here: as if the broker had been down
    queued: list[str] = []
    monkeypatch.setattr(bulk, "_enqueue", lambda export_id: queued.append(str(export_id)) or True)
    assert bulk.bulk_exports_sweep() == (0, 0)  # not yet: it may still be on its way
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert bulk.bulk_exports_sweep(now=later) == (1, 0)
    assert queued == [str(BulkExport.objects.get().pk)]


def test_a_failed_job_gives_a_manifest_with_an_outcome_in_its_error_list(
    monkeypatch, client, team_a, bearer, records
):
    status_path = _status_path(_kick_off(client, team_a, bearer))

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bulk, "_resources", broken)
    tasks.run_bulk_export(str(BulkExport.objects.get().pk))
    response = client.get(status_path, **bearer)
    assert response.status_code == 200
    manifest = response.json()
    assert manifest["output"] == [] and len(manifest["error"]) == 1
    [outcome] = _download(client, manifest["error"][0]["url"], bearer)
    validate(outcome)
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "exception"
    assert "disk on fire" not in json.dumps(outcome)  # the words are ours, not the exception's


def test_a_repeated_job_is_a_no_op(client, team_a, bearer, records):
    _kick_off(client, team_a, bearer)
    export_id = str(BulkExport.objects.get().pk)
    bulk.bulk_export_run(export_id=export_id)
    first = set(BulkExportFile.objects.values_list("pk", flat=True))
    bulk.bulk_export_run(export_id=export_id)
    assert set(BulkExportFile.objects.values_list("pk", flat=True)) == first


def test_the_capability_statement_declares_group_export(fhir_get, cast):
    _, body = fhir_get(cast.nurse_a, "/fhir/metadata")
    [group] = [r for r in body["rest"][0]["resource"] if r["type"] == "Group"]
    assert group["operation"][0]["name"] == "export"
    assert "bulk-data" in body["instantiates"][0]
