"""Caseload import: the dry run, Apply, idempotency and who may import what (services)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.accounts.models import Team
from apps.imports import services
from apps.imports.models import CaseloadImport, ImportRow
from apps.imports.rows import STALE
from apps.patients import services as patients
from apps.patients.models import CareTeamMember, Guardian, Patient
from carecoord.errors import ApplicationError
from tests.factories import CareTeamMemberFactory, PatientFactory

from .conftest import child_row, write_csv


def upload(actor, team, rows, **kwargs):  # type: ignore[no-untyped-def]
    return services.import_upload(
        actor=actor, team=team, filename="caseload.csv", data=write_csv(rows, **kwargs)
    )


def apply(actor, job):  # type: ignore[no-untyped-def]
    return services.import_apply(actor=actor, job=job, content_sha256=job.content_sha256)


def plan(job: CaseloadImport) -> dict[int, ImportRow]:
    return {row.number: row for row in job.rows.all()}


def test_the_dry_run_says_what_each_row_would_do_and_writes_nothing(nurse, consultant, team) -> None:
    rows = [child_row(), child_row(hospital_number="H900002", nhs_number="4857773456", given_name="Bea")]
    job = upload(nurse, team, rows)
    assert job.status == CaseloadImport.Status.PLANNED
    found = plan(job)
    assert found[2].outcome == "created"
    assert found[2].changes == [
        "Register Alice Aardvark (born 2 April 2021)",
        "Add guardian Anne Aardvark (mother, parental responsibility)",
        "Add Dr Cara Consultant to the care team as lead clinician",
    ]
    assert found[3].outcome == "refused"
    assert found[3].problems[0]["column"] == "nhs_number"
    assert "check digit" in found[3].problems[0]["message"]
    assert not Patient.objects.exists() and not Guardian.objects.exists()
    assert not CareTeamMember.objects.exists()


def test_apply_registers_the_child_with_guardian_and_care_team_through_the_services(
    nurse, consultant, team
) -> None:
    job = apply(nurse, upload(nurse, team, [child_row()]))
    assert job.status == CaseloadImport.Status.APPLIED
    assert job.content == ""  # the file is not kept once applied
    child = Patient.objects.get(hospital_number="H900001")
    assert child.nhs_number == "9434765919" and child.named_nurse == nurse
    assert child.history.get().history_user == nurse
    guardian = child.guardians.get()
    assert guardian.user.email == "anne@example.org" and guardian.has_parental_responsibility
    member = child.care_team.get()
    assert member.user == consultant and member.is_lead
    assert plan(job)[2].applied_outcome == "created"


def test_a_second_apply_of_the_same_file_changes_nothing(nurse, consultant, team) -> None:
    rows = [child_row(), child_row(hospital_number="H900002", nhs_number="", given_name="Bea")]
    apply(nurse, upload(nurse, team, rows))
    history = Patient.history.count(), Guardian.history.count(), CareTeamMember.history.count()
    again = upload(nurse, team, rows)
    assert {row.outcome for row in again.rows.all()} == {"unchanged"}
    again = apply(nurse, again)
    assert {row.applied_outcome for row in again.rows.all()} == {"unchanged"}
    assert (Patient.history.count(), Guardian.history.count(), CareTeamMember.history.count()) == history
    assert Patient.objects.count() == 2


def test_a_changed_cell_updates_the_child_and_an_empty_cell_keeps_what_is_on_record(
    nurse, consultant, team
) -> None:
    apply(nurse, upload(nurse, team, [child_row(school="Oak Nursery")]))
    job = upload(nurse, team, [child_row(school="Elm School", nhs_number="", sex="")])
    [row] = job.rows.all()
    assert row.outcome == "updated"
    assert row.changes == ["School: “Oak Nursery” → “Elm School”"]
    apply(nurse, job)
    child = Patient.objects.get()
    assert (child.school, child.nhs_number, child.sex) == ("Elm School", "9434765919", "female")
    assert child.history.latest().history_user == nurse


def test_apply_is_refused_for_another_file_and_for_an_import_already_applied(nurse, consultant, team) -> None:
    job = upload(nurse, team, [child_row()])
    with pytest.raises(ApplicationError) as stale:
        services.import_apply(actor=nurse, job=job, content_sha256="0" * 64)
    assert stale.value.code == "stale" and not Patient.objects.exists()
    apply(nurse, job)
    with pytest.raises(ApplicationError) as again:
        apply(nurse, job)
    assert again.value.code == "stale"
    assert Patient.objects.count() == 1


def test_a_row_whose_child_changed_after_the_dry_run_is_refused_at_apply(nurse, consultant, team) -> None:
    job = upload(
        nurse, team, [child_row(), child_row(hospital_number="H900002", nhs_number="", given_name="Bea")]
    )
    patients.patient_register(
        actor=nurse,
        hospital_number="H900002",
        given_name="Bea",
        family_name="Other",
        date_of_birth=datetime.date(2020, 1, 1),
        named_nurse=nurse,
    )
    job = apply(nurse, job)
    rows = plan(job)
    assert rows[2].applied_outcome == "created"
    assert rows[3].applied_outcome == "refused" and rows[3].applied_problems[0]["message"] == STALE
    assert Patient.objects.get(hospital_number="H900002").family_name == "Other"


def test_only_the_clinic_administrator_and_nurse_specialists_import(consultant, team) -> None:
    with pytest.raises(PermissionDenied):
        upload(consultant, team, [child_row()])
    assert not CaseloadImport.objects.exists()


def test_a_nurse_cannot_import_into_another_teams_caseload(nurse, team) -> None:
    oncology = Team.objects.create(code="oncology", name="Oncology")
    with pytest.raises(PermissionDenied, match="your own team"):
        upload(nurse, oncology, [child_row()])
    assert not CaseloadImport.objects.exists()


def test_a_named_nurse_from_another_team_is_refused(nurse, consultant, team) -> None:
    from tests.factories import StaffFactory

    StaffFactory(email="olly@example.org", role="nurse_specialist", role__teams=["oncology"])
    job = upload(nurse, team, [child_row(named_nurse_email="olly@example.org")])
    [row] = job.rows.all()
    assert row.outcome == "refused" and row.problems[0]["column"] == "named_nurse_email"
    assert "this team's caseload only" in row.problems[0]["message"]


def test_a_nurse_cannot_change_a_child_she_cannot_see(nurse, colleague, consultant, team) -> None:
    PatientFactory(hospital_number="H900001", nhs_number="9434765919", named_nurse=colleague, school="Kept")
    job = apply(
        nurse, upload(nurse, team, [child_row(school="Changed", named_nurse_email="nell@example.org")])
    )
    [row] = job.rows.all()
    assert row.outcome == "refused"
    assert row.problems == [{"column": "nhs_number", "message": "Another child already has this NHS number."}]
    assert Patient.objects.get().school == "Kept"


def test_no_one_adds_themselves_to_a_care_team_by_import(admin, nurse, team) -> None:
    job = upload(admin, team, [child_row(care_team_emails="ada@example.org", lead_clinician_email="")])
    [row] = job.rows.all()
    assert row.outcome == "refused"
    assert row.problems == [
        {"column": "care_team_emails", "message": "You cannot add yourself to a child's care team by import."}
    ]
    # The nurse who becomes the named nurse may be on the care team, as the forms allow.
    job = upload(nurse, team, [child_row(care_team_emails="nina@example.org", lead_clinician_email="")])
    assert job.rows.get().outcome == "created"


def test_the_clinic_administrator_imports_for_any_team_as_the_records_role(
    admin, nurse, consultant, team
) -> None:
    PatientFactory(hospital_number="H900001", nhs_number="9434765919", named_nurse=nurse, school="Old")
    job = apply(admin, upload(admin, team, [child_row(school="New")]))
    assert job.rows.get().applied_outcome == "updated"
    child = Patient.objects.get()
    assert child.school == "New" and child.history.latest().history_user == admin


def test_a_guardian_whose_access_was_ended_is_not_given_it_back(nurse, consultant, team) -> None:
    apply(nurse, upload(nurse, team, [child_row()]))
    guardian = Guardian.objects.get()
    patients.guardian_deactivate(actor=nurse, guardian=guardian)
    job = apply(nurse, upload(nurse, team, [child_row()]))
    [row] = job.rows.all()
    assert row.applied_outcome == "refused" and row.problems[0]["column"] == "guardian_1_email"
    assert not Guardian.objects.get().is_active


def test_a_guardian_without_parental_responsibility_needs_the_authorisation(nurse, consultant, team) -> None:
    row = child_row(guardian_1_parental_responsibility="no", guardian_1_relationship="grandparent")
    job = upload(nurse, team, [row])
    problems = job.rows.get().problems
    assert {p["column"] for p in problems} == {
        "guardian_1_authorised_by",
        "guardian_1_authorised_on",
        "guardian_1_authorisation_reason",
    }
    ok = dict(
        row,
        guardian_1_authorised_by="Anne's mother",
        guardian_1_authorised_on="01/02/2024",
        guardian_1_authorisation_reason="Takes her to clinic",
    )
    job = apply(nurse, upload(nurse, team, [ok]))
    guardian = Guardian.objects.get()
    assert guardian.authorised_on.isoformat() == "2024-02-01" and guardian.authorisation_recorded_by == nurse


def test_the_same_child_twice_in_a_file_is_refused(nurse, consultant, team) -> None:
    first = child_row()
    job = upload(
        nurse,
        team,
        [
            first,
            first,
            child_row(given_name="Other", nhs_number="4857773457"),
            child_row(hospital_number="H777", nhs_number="4857773457"),
        ],
    )
    rows = plan(job)
    assert rows[3].problems == [
        {"column": "", "message": "This row repeats row 2; only that row is imported."}
    ]
    assert (
        rows[2].outcome == "refused"
        and "Rows 2, 4 have the same hospital number" in rows[2].problems[0]["message"]
    )
    assert "same NHS number" in rows[5].problems[0]["message"]


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_formula_like_cell_is_refused_with_its_column(nurse, consultant, team, cell: str) -> None:
    job = upload(nurse, team, [child_row(school=cell)])
    [row] = job.rows.all()
    assert row.outcome == "refused"
    assert row.problems[0]["column"] == "school" and "formula" in row.problems[0]["message"]


def test_an_apostrophe_keeps_formula_like_text_as_text(nurse, consultant, team) -> None:
    apply(nurse, upload(nurse, team, [child_row(school="'=Oak")]))
    assert Patient.objects.get().school == "=Oak"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"hospital_number,given_name\nH1,Ann\n", "These columns are missing"),
        (write_csv([child_row()]).replace(b"school", b"nursery"), "not part of the caseload template"),
        (write_csv([child_row(given_name="Zoë")]).decode().encode("latin-1"), "not UTF-8"),
        (write_csv([child_row()]).decode().encode("utf-16"), "UTF-16"),
        (write_csv([]), "no rows to import"),
        (b"x" * (2 * 1024 * 1024 + 1), "too large"),
    ],
    ids=["empty", "missing-columns", "unknown-column", "latin-1", "utf-16", "no-rows", "over-size"],
)
def test_a_bad_file_is_refused_whole_and_nothing_is_stored(nurse, team, data: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.import_upload(actor=nurse, team=team, filename="x.csv", data=data)
    assert message in " ".join(refused.value.messages)
    assert not CaseloadImport.objects.exists()


def test_too_many_rows_are_refused(nurse, team, monkeypatch) -> None:
    monkeypatch.setattr("apps.imports.columns.IMPORT_MAX_ROWS", 2)
    rows = [child_row(hospital_number=f"H{n}", nhs_number="") for n in range(3)]
    with pytest.raises(ValidationError, match="the limit is 2"):
        upload(nurse, team, rows)


def test_a_utf8_file_with_a_byte_order_mark_is_accepted(nurse, consultant, team) -> None:
    data = b"\xef\xbb\xbf" + write_csv([child_row(given_name="Zoë")])
    job = services.import_upload(actor=nurse, team=team, filename="x.csv", data=data)
    assert job.rows.get().child_name == "Zoë Aardvark"


def test_the_template_imports_as_nothing_but_its_header(nurse, team) -> None:
    from apps.imports.export import template_csv

    with pytest.raises(ValidationError, match="no rows to import"):
        services.import_upload(actor=nurse, team=team, filename="t.csv", data=template_csv().encode())


def test_care_team_members_already_there_are_left_as_they_are(nurse, consultant, team) -> None:
    child = PatientFactory(hospital_number="H900001", nhs_number="9434765919", named_nurse=nurse)
    CareTeamMemberFactory(patient=child, user=consultant, role="consultant", is_lead=False)
    job = upload(
        nurse,
        team,
        [
            child_row(
                guardian_1_name="",
                guardian_1_email="",
                guardian_1_relationship="",
                guardian_1_parental_responsibility="",
            )
        ],
    )
    [row] = job.rows.all()
    assert row.outcome == "refused" and row.problems[0]["column"] == "lead_clinician_email"


def test_a_role_refusal_from_a_service_is_one_rows_problem_not_the_files(
    nurse, consultant, team, monkeypatch
) -> None:
    monkeypatch.setattr("apps.accounts.roles.can_register_patient", lambda user: False)
    job = upload(nurse, team, [child_row()])
    [row] = job.rows.all()
    assert row.outcome == "refused"
    assert row.problems == [{"column": "", "message": "Your role cannot register children."}]
