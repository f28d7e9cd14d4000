"""A FHIR bulk export end to end on a real Celery worker over Redis: kick-off over HTTP with a
client-credentials token, the job queued after commit, polled to its manifest, every file downloaded."""

import json

import pytest
from django.test import Client

from apps.accounts.models import Team
from apps.fhir.models import BulkExport
from apps.fhir.tasks import run_bulk_export

from ..fhir.conftest import FHIR_JSON, validate
from ..fhir.fixtures import make_record
from ..fhir.test_bulk_export import _bearer, _make_client
from .conftest import WorkerProbe, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("celery")]


def test_an_export_runs_on_the_worker_and_its_files_download(
    celery_worker: WorkerProbe, cast, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.FHIR_EXPORT_DIR = tmp_path / "exports"
    make_record(cast.child_a, cast.nurse_a, cast.family_a)
    team = Team.objects.get(members__user=cast.nurse_a)
    client = Client()
    made, secret = _make_client(cast, team, "Worker engine")
    bearer = _bearer(client, made, secret)

    kicked = client.get(
        f"/fhir/Group/{team.pk}/$export?_type=Patient,Observation,Condition",
        HTTP_ACCEPT=FHIR_JSON,
        HTTP_PREFER="respond-async",
        **bearer,
    )
    assert kicked.status_code == 202, kicked.content
    status_path = kicked["Content-Location"].removeprefix("http://testserver")
    export = BulkExport.objects.get()

    [run] = celery_worker.wait_for_runs(run_bulk_export.name, 1, (str(export.pk),))
    assert run.state == "SUCCESS"
    wait_until(lambda: client.get(status_path, **bearer).status_code == 200, "the manifest")
    manifest = client.get(status_path, **bearer).json()
    assert [item["type"] for item in manifest["output"]] == ["Patient", "Observation", "Condition"]
    for item in manifest["output"]:
        response = client.get(item["url"].removeprefix("http://testserver"), **bearer)
        assert response.status_code == 200
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert len(lines) == item["count"]
        for line in lines:
            resource = json.loads(line)
            validate(resource)
            assert str(cast.child_a.pk) in json.dumps(resource)
