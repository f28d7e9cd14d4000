"""Caseload import pages and API: upload, dry run, progress, apply; who sees what."""

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.models import AccessEvent
from apps.imports import services
from apps.imports.models import CaseloadImport
from apps.patients.models import Patient
from tests.factories import PatientFactory

from .conftest import child_row, write_csv


def _file(rows: list[dict[str, str]]) -> SimpleUploadedFile:
    return SimpleUploadedFile("caseload.csv", write_csv(rows), content_type="text/csv")


def test_it_uploads_shows_the_dry_run_and_applies_it(client_for, nurse, consultant, team) -> None:
    client = client_for(nurse)
    response = client.post("/caseload-imports/", {"team": "nursing", "file": _file([child_row()])})
    job = CaseloadImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/caseload-imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Dry run: check before applying" in page and "Register Alice Aardvark" in page
    assert not Patient.objects.exists()
    response = client.post(f"/caseload-imports/{job.pk}/apply/", {"content_sha256": job.content_sha256})
    assert response.status_code == 302 and Patient.objects.filter(hospital_number="H900001").exists()
    assert "Import applied" in client.get(f"/caseload-imports/{job.pk}/").content.decode()


def test_a_bad_file_is_shown_next_to_the_file_field(client_for, nurse, team) -> None:
    upload = SimpleUploadedFile("x.csv", "hospital_number\nH1\n".encode("utf-16"))
    response = client_for(nurse).post("/caseload-imports/", {"team": "nursing", "file": upload})
    assert response.status_code == 400
    assert "UTF-16" in response.content.decode() and not CaseloadImport.objects.exists()


def test_apply_with_another_files_digest_is_refused_and_changes_nothing(
    client_for, nurse, consultant, team
) -> None:
    job = services.import_upload(actor=nurse, team=team, filename="c.csv", data=write_csv([child_row()]))
    client = client_for(nurse)
    response = client.post(f"/caseload-imports/{job.pk}/apply/", {"content_sha256": "f" * 64}, follow=True)
    assert "The file has changed since this dry run" in response.content.decode()
    assert not Patient.objects.exists()


def test_the_progress_polls_while_a_job_runs_and_reloads_the_page_when_it_is_done(
    client_for, nurse, consultant, team
) -> None:
    job = services.import_upload(actor=nurse, team=team, filename="c.csv", data=write_csv([child_row()]))
    CaseloadImport.objects.filter(pk=job.pk).update(status="applying")
    client = client_for(nurse)
    running = client.get(f"/caseload-imports/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in running and "<progress" in running and "<script" not in running
    CaseloadImport.objects.filter(pk=job.pk).update(status="applied")
    done = client.get(f"/caseload-imports/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_an_import_is_its_uploaders_alone(client_for, nurse, colleague, admin, consultant, team) -> None:
    job = services.import_upload(actor=nurse, team=team, filename="c.csv", data=write_csv([child_row()]))
    for other in (colleague, admin):
        client = client_for(other)
        assert client.get(f"/caseload-imports/{job.pk}/").status_code == 404
        assert (
            client.post(
                f"/caseload-imports/{job.pk}/apply/", {"content_sha256": job.content_sha256}
            ).status_code
            == 404
        )
    assert not Patient.objects.exists()


def test_the_pages_refuse_a_consultant_and_the_navigation_does_not_offer_them(
    client_for, consultant, nurse, team
) -> None:
    client = client_for(consultant)
    assert client.get("/caseload-imports/").status_code == 403
    assert client.get("/caseload-imports/export/").status_code == 403
    assert 'href="/caseload-imports/"' not in client.get("/caseload/").content.decode()
    assert 'href="/caseload-imports/"' in client_for(nurse).get("/caseload/").content.decode()


def test_the_dry_run_of_a_child_on_record_is_an_audited_read(client_for, nurse, consultant, team) -> None:
    child = PatientFactory(hospital_number="H900001", nhs_number="9434765919", named_nurse=nurse)
    job = services.import_upload(actor=nurse, team=team, filename="c.csv", data=write_csv([child_row()]))
    client_for(nurse).get(f"/caseload-imports/{job.pk}/")
    event = AccessEvent.objects.get(user=nurse, patient=child)
    assert event.what == "caseload import" and event.basis == "named_nurse"


def test_the_api_uploads_a_dry_run_and_applies_it(api_for, nurse, consultant, team) -> None:
    api = api_for(nurse)
    response = api.post(
        "/api/v1/caseload-imports/", {"team": "nursing", "file": _file([child_row()])}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "planned" and body["counts"]["created"] == 1
    assert body["rows"][0]["outcome"] == "created" and body["rows"][0]["number"] == 2
    refused = api.post(
        f"/api/v1/caseload-imports/{body['id']}/apply/", {"content_sha256": "0" * 64}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "stale"
    applied = api.post(
        f"/api/v1/caseload-imports/{body['id']}/apply/",
        {"content_sha256": body["content_sha256"]},
        format="json",
    )
    assert applied.status_code == 200 and applied.json()["rows"][0]["applied_outcome"] == "created"
    assert api.get("/api/v1/caseload-imports/").json()["results"][0]["status"] == "applied"


def test_the_api_refuses_a_bad_file_with_the_reason(api_for, nurse, team) -> None:
    bad = SimpleUploadedFile("x.csv", b"given_name\nAnn\n")
    response = api_for(nurse).post(
        "/api/v1/caseload-imports/", {"team": "nursing", "file": bad}, format="multipart"
    )
    assert response.status_code == 400
    assert "missing" in response.json()["error"]["fields"]["file"][0]


def test_the_api_refuses_a_family_and_a_consultant(api_for, consultant) -> None:
    from tests.factories import FamilyFactory

    for user in (consultant, FamilyFactory()):
        response = api_for(user).post("/api/v1/caseload-imports/", {}, format="multipart")
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_a_long_plan_is_paged_and_can_show_only_the_refused_rows(
    client_for, nurse, consultant, team, monkeypatch
) -> None:
    monkeypatch.setattr("apps.imports.views.PLAN_PAGE_ROWS", 2)
    rows = [child_row(hospital_number=f"H{n}", nhs_number="", given_name=f"Kid{n}") for n in range(4)]
    rows.append(child_row(hospital_number="H9", nhs_number="", given_name="@bad"))
    job = services.import_upload(actor=nurse, team=team, filename="c.csv", data=write_csv(rows))
    client = client_for(nurse)
    first = client.get(f"/caseload-imports/{job.pk}/").content.decode()
    assert "Page 1 of 3" in first and "Kid0" in first and "Kid2" not in first
    refused = client.get(f"/caseload-imports/{job.pk}/?outcome=refused").content.decode()
    assert "runs as a formula" in refused and "Kid0" not in refused


def test_the_clinic_administrator_imports_and_exports_any_teams_caseload(
    client_for, admin, nurse, consultant, team
) -> None:
    """Issue 15: "for the clinic admin and for nurse specialists on their own team". The clinic
    administrator belongs to no team here and imports into two: each child joins that team's caseload,
    a second import of the same file changes nothing, and each team's export has its own children."""
    from apps.accounts.models import Team
    from tests.factories import StaffFactory

    Team.objects.create(code="oncology", name="Oncology")
    StaffFactory(email="otto@example.org", role="nurse_specialist", role__teams=["oncology"])
    client = client_for(admin)
    home = client.get("/caseload-imports/").content.decode()
    assert 'value="nursing"' in home and 'value="oncology"' in home
    files = {
        "nursing": [child_row()],
        "oncology": [
            child_row(
                hospital_number="H900002",
                nhs_number="4857773457",
                given_name="Olive",
                named_nurse_email="otto@example.org",
                guardian_1_email="olive.parent@example.org",
            )
        ],
    }
    for code, rows in files.items():
        for attempt in ("first", "again"):
            response = client.post("/caseload-imports/", {"team": code, "file": _file(rows)})
            assert response.status_code == 302, (code, attempt)
            job = CaseloadImport.objects.filter(team__code=code).order_by("-pk").first()
            outcome = job.rows.get().outcome
            assert outcome == ("created" if attempt == "first" else "unchanged"), (
                code,
                attempt,
                job.rows.get().problems,
            )
            client.post(f"/caseload-imports/{job.pk}/apply/", {"content_sha256": job.content_sha256})
    assert Patient.objects.get(hospital_number="H900002").named_nurse.email == "otto@example.org"
    assert Patient.objects.get(hospital_number="H900001").named_nurse == nurse
    for code, hospital_number in (("nursing", "H900001"), ("oncology", "H900002")):
        exported = client.get(f"/caseload-imports/export/?team={code}").content.decode()
        assert hospital_number in exported and exported.count("\n") == 2, code
