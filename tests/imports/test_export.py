"""The caseload export: the import's columns, lossless (export, import, all unchanged), audited."""

import csv
import datetime
import io

import pytest

from apps.audit.models import AccessEvent
from apps.imports import columns, services
from apps.imports.export import caseload_csv, template_csv
from apps.imports.selectors import team_caseload
from apps.patients import services as patients
from apps.patients.models import Patient
from tests.factories import PatientFactory, StaffFactory

from .conftest import child_row, write_csv


def _caseload(nurse, consultant, n: int = 3) -> list[Patient]:  # type: ignore[no-untyped-def]
    children = []
    for i in range(n):
        child = PatientFactory(
            hospital_number=f"H5{i:05d}",
            named_nurse=nurse,
            school=f"=School {i}",
            preferred_name="Al, “Ali”",
            nhs_number=None if i == 1 else PatientFactory.build().nhs_number,
        )
        patients.guardian_link(
            actor=nurse, patient=child, email=f"mum{i}@example.org", full_name="Mum", relationship="mother"
        )
        patients.guardian_link(
            actor=nurse,
            patient=child,
            email=f"gran{i}@example.org",
            full_name="Gran",
            relationship="grandparent",
            has_parental_responsibility=False,
            authorised_by_name="Mum",
            authorised_on=datetime.date(2024, 1, 5),
            authorisation_reason="Brings her to clinic",
        )
        patients.care_team_member_add(actor=nurse, patient=child, user=consultant, is_lead=True)
        patients.care_team_member_add(actor=nurse, patient=child, user=nurse)
        children.append(child)
    patients.guardian_link(
        actor=nurse, patient=children[0], email="dad0@example.org", full_name="Dad", relationship="father"
    )
    return children


def test_an_exported_caseload_imports_back_with_every_row_unchanged(nurse, consultant, team) -> None:
    _caseload(nurse, consultant)
    text = caseload_csv(list(team_caseload(user=nurse, team=team)))
    assert "guardian_3_email" in text.splitlines()[0]  # one child has three guardians
    assert "'=School 0" in text  # formula-like text is neutralised in the file
    job = services.import_upload(actor=nurse, team=team, filename="export.csv", data=text.encode())
    assert [(row.outcome, row.problems) for row in job.rows.all()] == [("unchanged", [])] * 3


def test_the_export_is_the_teams_caseload_as_far_as_the_nurse_sees_it(
    nurse, colleague, consultant, team
) -> None:
    mine = PatientFactory(named_nurse=nurse)
    PatientFactory(named_nurse=colleague)  # the colleague's: not visible to the nurse
    other = StaffFactory(role="nurse_specialist", role__teams=["oncology"])
    PatientFactory(named_nurse=other)  # another team's
    assert list(team_caseload(user=nurse, team=team)) == [mine]


def test_break_glass_access_does_not_reach_the_export(nurse, colleague, team) -> None:
    from apps.audit.services import break_glass_open

    theirs = PatientFactory(named_nurse=colleague)
    break_glass_open(
        actor=nurse, patient=theirs, category="emergency", reason="Covering the ward tonight alone"
    )
    assert list(team_caseload(user=nurse, team=team)) == []


def test_the_template_has_the_header_and_one_labelled_demo_row() -> None:
    rows = list(csv.reader(io.StringIO(template_csv())))
    assert rows[0] == columns.header()
    assert len(rows) == 2 and rows[1][0].startswith("# DEMO ROW (ignored on import)")


@pytest.mark.parametrize("n", [2, 8])
def test_the_export_page_takes_the_same_queries_for_any_number_of_children(
    client, nurse, consultant, team, n: int, django_assert_max_num_queries
) -> None:
    _caseload(nurse, consultant, n)
    client.force_login(nurse)
    with django_assert_max_num_queries(14):
        response = client.get("/caseload-imports/export/?team=nursing")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").count("\r\n") == n + 1


def test_the_export_is_audited_as_an_export_for_each_child(client, nurse, consultant, team) -> None:
    children = _caseload(nurse, consultant, 2)
    client.force_login(nurse)
    response = client.get("/caseload-imports/export/?team=nursing")
    assert response["Content-Type"].startswith("text/csv")
    events = AccessEvent.objects.filter(user=nurse, channel="export")
    assert sorted(e.patient_id for e in events) == sorted(c.pk for c in children)
    assert {e.what for e in events} == {"caseload export (CSV)"}


def test_the_api_export_refuses_another_teams_caseload(api, nurse, team) -> None:
    from apps.accounts.models import Team

    Team.objects.create(code="oncology", name="Oncology")
    api.force_authenticate(nurse)
    assert api.get("/api/v1/caseload-export/?team=oncology").status_code == 403
    assert api.get("/api/v1/caseload-export/").status_code == 400
    ok = api.get("/api/v1/caseload-export/?team=nursing")
    assert ok.status_code == 200 and ok.content.decode("utf-8-sig").startswith("hospital_number,")


def test_an_exported_file_edited_in_a_spreadsheet_updates_only_what_changed(nurse, consultant, team) -> None:
    _caseload(nurse, consultant, 1)
    text = caseload_csv(list(team_caseload(user=nurse, team=team)))
    data = text.replace("'=School 0", "New School").encode()
    job = services.import_upload(actor=nurse, team=team, filename="export.csv", data=data)
    [row] = job.rows.all()
    assert row.outcome == "updated" and row.changes == ["School: “=School 0” → “New School”"]
    assert write_csv([child_row()])  # the helper writes the same header as the export
