import csv
import datetime
import hashlib
import io
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.audit.models import AccessEvent
from apps.pathways import services as pathways
from apps.research import consent as consents
from apps.research import export
from apps.research.columns import DICTIONARY, TABLES
from apps.research.dataset import dataset_build, suppressed
from apps.research.models import ConsentScope, ResearchExport
from apps.research.pseudonym import NO_KEY, pseudonym_key
from tests.factories import CareTeamMemberFactory, PatientFactory, StaffFactory

from .conftest import permit, research_lead, run_export

TODAY = timezone.localdate()


def rows(files: dict[str, bytes], table: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[f"{table}.csv"].decode())))


def children(files: dict[str, bytes]) -> set[str]:
    return {r["child"] for r in rows(files, "children")}


def child_of(pk: int) -> str:
    return pseudonym_key().of("patient", pk)


@pytest.fixture
def nurse(cast):  # type: ignore[no-untyped-def]
    return cast.nurse_a


def on_team(nurse, **kwargs):  # type: ignore[no-untyped-def]
    child = PatientFactory(**kwargs)
    CareTeamMemberFactory(patient=child, user=nurse)
    return child


def test_only_children_with_a_current_permit_not_withdrawn_are_included(cast, nurse, registry, lead):
    other_scope = ConsentScope.objects.create(code="other-study", name="Other study", kind="research")
    agreed = on_team(nurse)
    permit(nurse, agreed, registry)
    declined = on_team(nurse)
    permit(nurse, declined, registry, decision="deny")
    withdrawn = on_team(nurse)
    consents.consent_withdraw(actor=nurse, consent=permit(nurse, withdrawn, registry), withdrawn_on=TODAY)
    on_team(nurse)  # no consent at all
    elsewhere = on_team(nurse)
    permit(nurse, elsewhere, other_scope)
    ended = on_team(nurse)
    permit(nurse, ended, registry, period_end=TODAY - datetime.timedelta(days=1))
    changed_mind = on_team(nurse)  # agreed, then declined: the latest counts
    permit(nurse, changed_mind, registry)
    permit(nurse, changed_mind, registry, decision="deny", period_start=TODAY)
    built, files = run_export(lead, registry)
    assert children(files) == {child_of(agreed.pk)}
    assert built.children_count == 1


def test_a_withdrawal_stops_the_next_export(nurse, registry, lead):
    child = on_team(nurse)
    consent = permit(nurse, child, registry)
    _, first = run_export(lead, registry)
    assert children(first) == {child_of(child.pk)}
    consents.consent_withdraw(actor=nurse, consent=consent, withdrawn_on=TODAY, reason="No longer wishes")
    built, second = run_export(lead, registry)
    assert children(second) == set() and built.children_count == 0
    assert all(len(rows(second, t.name)) == 0 for t in TABLES if t.name != "summary")


def test_the_pseudonym_is_stable_across_exports_and_changes_with_the_key(nurse, registry, lead, settings):
    child = on_team(nurse)
    permit(nurse, child, registry)
    _, first = run_export(lead, registry)
    _, again = run_export(lead, registry)
    assert children(first) == children(again)
    (pseudonym,) = children(first)
    assert re.fullmatch(r"[0-9a-f]{32}", pseudonym) and str(child.pk) != pseudonym
    settings.RESEARCH_PSEUDONYM_KEY = "another-key-" + "y" * 40
    _, other = run_export(lead, registry)
    assert children(other) and children(other) != children(first)


def _clinical_record(nurse, child):  # type: ignore[no-untyped-def]
    consultant = StaffFactory(role="consultant")
    CareTeamMemberFactory(patient=child, user=consultant, role="consultant")
    start = TODAY - datetime.timedelta(weeks=50)
    scale = pathways.scale_create(
        actor=None,
        name="Export scale",
        items=[
            pathways.ItemSpec("Gait", 0, 3, code="gait"),
            pathways.ItemSpec("Speech", 0, 3, code="speech"),
        ],
    )
    pathways.score_record(
        actor=nurse,
        patient=child,
        scale=scale,
        assessed_on=start - datetime.timedelta(days=3),
        values={"gait": 3, "speech": 2},
    )
    pathways.score_record(
        actor=nurse,
        patient=child,
        scale=scale,
        assessed_on=start + datetime.timedelta(weeks=47),
        values={"gait": 1, "speech": 0},
    )
    course = pathways.course_create(
        actor=consultant,
        patient=child,
        agent="acth",
        start_date=start,
        regimen_notes="SECRET-REGIMEN-NOTE long wean",
    )
    pathways.relapse_record(
        actor=nurse,
        patient=child,
        onset_date=start + datetime.timedelta(weeks=20),
        severity="mild",
        trigger="illness",
    )
    pathways.assessment_record_criterion(
        actor=consultant, patient=child, criterion="opsoclonus", present=True, observed_on=start
    )
    investigation = pathways.investigation_request(actor=nurse, patient=child, kind="mri_brain")
    pathways.investigation_record_result(
        actor=nurse, investigation=investigation, result_summary="SECRET-RESULT-TEXT", abnormal=True
    )
    return course


def test_the_dataset_carries_items_courses_relapses_results_and_the_48_week_outcome(nurse, registry, lead):
    child = on_team(nurse)
    _clinical_record(nurse, child)
    permit(nurse, child, registry)
    _, files = run_export(lead, registry)
    items = rows(files, "score_items")
    assert {(r["scale_code"], r["item_code"]) for r in items} == {
        ("export-scale", "gait"),
        ("export-scale", "speech"),
    }
    assert len(items) == 4
    (course,) = rows(files, "treatments")
    assert (
        course["agent"] == "acth" and course["start_month"] == f"{TODAY - datetime.timedelta(weeks=50):%Y-%m}"
    )
    (relapse,) = rows(files, "relapses")
    assert relapse["trigger"] == "illness"
    (investigation,) = rows(files, "investigations")
    assert (investigation["kind"], investigation["result_band"]) == ("mri_brain", "abnormal")
    (criterion,) = rows(files, "criteria")
    assert (criterion["criterion"], criterion["present"]) == ("opsoclonus", "true")
    (outcome,) = rows(files, "outcomes")
    assert outcome["outcome_status"] == "assessed"
    assert (outcome["baseline_total"], outcome["outcome_total"], outcome["relapses_before_outcome"]) == (
        "5",
        "1",
        "1",
    )
    for name, content in files.items():
        assert b"SECRET-" not in content, name


def test_every_date_is_reduced_to_its_month(nurse, registry, lead):
    child = on_team(nurse)
    _clinical_record(nurse, child)
    permit(nurse, child, registry)
    _, files = run_export(lead, registry)
    for name, content in files.items():
        assert not re.search(rb"\d{4}-\d{2}-\d{2}", content), f"{name} has a full date"
    for table in TABLES:
        for column in table.columns:
            if column.type.startswith("month"):
                values = {r[column.name] for r in rows(files, table.name)}
                assert all(re.fullmatch(r"\d{4}-\d{2}", v) or v == "" for v in values), (table.name, values)


def test_the_data_dictionary_covers_every_column_of_every_file(nurse, registry, lead):
    child = on_team(nurse)
    _clinical_record(nurse, child)
    permit(nurse, child, registry)
    _, files = run_export(lead, registry)
    described = {(r["table"], r["column"]) for r in rows(files, "data_dictionary")}
    assert all(r["type"] and r["meaning"] for r in rows(files, "data_dictionary"))
    found = set()
    for name, content in files.items():
        table, _, kind = name.rpartition(".")
        if kind == "csv":
            found |= {(table, c) for c in next(csv.reader(io.StringIO(content.decode())))}
        elif kind == "ndjson":
            for line in content.decode().splitlines():
                found |= {(table, c) for c in json.loads(line)}
    assert found <= described
    assert {t for t, _ in found} == {t.name for t in (*TABLES, DICTIONARY)}
    markdown = files["data_dictionary.md"].decode()
    assert all(f"| {c} |" in markdown for _, c in described)


def test_small_summary_cells_are_suppressed(nurse, registry, lead, settings):
    settings.RESEARCH_MIN_CELL = 3
    kids = [on_team(nurse, sex="female") for _ in range(4)] + [on_team(nurse, sex="male")]
    for child in kids:
        permit(nurse, child, registry)
    _, files = run_export(lead, registry)
    summary = {(r["measure"], r["category"]): r["children"] for r in rows(files, "summary")}
    assert summary[("children", "all")] == "5"
    assert summary[("sex", "male")] == "<3"  # 1 child
    assert summary[("sex", "female")] == "*"  # hidden too: 5 - 4 would give the male count away
    assert summary[("sex", "other")] == "0"
    assert suppressed(0, 5) == 0 and suppressed(4, 5) == "<5" and suppressed(5, 5) == 5


def test_an_export_is_audited_with_its_hash_and_each_child_gets_an_access_event(nurse, registry, lead):
    kids = [on_team(nurse) for _ in range(2)]
    for child in kids:
        permit(nurse, child, registry)
    built, _ = run_export(lead, registry)
    with export.export_storage().open(built.file_name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == built.file_sha256
    assert (built.requested_by, built.scope, built.children_count, built.status) == (
        lead,
        registry,
        2,
        "done",
    )
    events = AccessEvent.objects.filter(user=lead, channel="export")
    assert sorted(events.values_list("patient_id", flat=True)) == sorted(c.pk for c in kids)
    assert set(events.values_list("basis", flat=True)) == {"admin"}
    # A second build of the same export does nothing (a redelivered job).
    assert export.export_build(export_id=built.pk) is None
    assert events.count() == 2


def test_the_dataset_query_count_does_not_grow_with_children(nurse, registry, django_assert_max_num_queries):
    kids = [on_team(nurse) for _ in range(6)]
    for child in kids:
        _clinical_record(nurse, child)
    key = pseudonym_key()
    with django_assert_max_num_queries(8):
        dataset_build(key=key, patient_ids=[kids[0].pk], today=TODAY)
    with django_assert_max_num_queries(8):
        data = dataset_build(key=key, patient_ids=[c.pk for c in kids], today=TODAY)
    assert data.children == 6


def test_only_the_requester_downloads_and_only_until_it_expires(nurse, registry, lead, client_for):
    permit(nurse, on_team(nurse), registry)
    built, _ = run_export(lead, registry)
    url = f"/research/exports/{built.pk}/download/"
    response = client_for(lead).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == built.file_sha256
    assert ResearchExport.objects.get(pk=built.pk).downloads == 1
    another_lead = research_lead(full_name="Other Lead")
    assert client_for(another_lead).get(url).status_code == 404
    ResearchExport.objects.filter(pk=built.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    expired = client_for(lead).get(url)
    assert expired.status_code == 410 and b"This export has expired" in expired.content
    assert export.exports_expire() == 1
    assert not export.export_storage().exists(built.file_name)
    assert ResearchExport.objects.get(pk=built.pk).file_sha256 == built.file_sha256  # the record stays


def test_families_and_staff_without_the_research_lead_role_are_refused(cast, registry, lead, client_for):
    page = "/research/exports/"
    assert client_for(lead).get(page).status_code == 200
    assert client_for(cast.family_a).get(page).status_code == 404
    for staff in (cast.nurse_a, cast.nurse_other, cast.admin):  # admin: no research lead permission
        assert client_for(staff).get(page).status_code == 403
        assert client_for(staff).post(page, {"scope": registry.code}).status_code == 403
        with pytest.raises(PermissionDenied):
            export.export_request(actor=staff, scope_code=registry.code, queue=False)
    assert not ResearchExport.objects.exists()


def test_an_unknown_scope_is_refused_in_plain_words(registry, lead, client_for):
    with pytest.raises(ValidationError, match="no registry or study with that code"):
        export.export_request(actor=lead, scope_code="not-a-scope", queue=False)
    response = client_for(lead).post("/research/exports/", {"scope": "not-a-scope"})
    assert response.status_code == 400 and b"no registry or study with that code" in response.content
    with pytest.raises(CommandError, match="no registry or study with that code"):
        call_command("research_export", "--scope", "not-a-scope", "--as", lead.email)
    assert not ResearchExport.objects.exists()


def test_production_without_a_key_refuses_to_export(registry, lead, client_for, settings):
    settings.PRODUCTION = True
    settings.RESEARCH_PSEUDONYM_KEY = ""
    with pytest.raises(ValidationError) as refused:
        export.export_request(actor=lead, scope_code=registry.code, queue=False)
    assert refused.value.messages == [NO_KEY]
    response = client_for(lead).post("/research/exports/", {"scope": registry.code})
    assert response.status_code == 400 and b"set RESEARCH_PSEUDONYM_KEY" in response.content
    settings.RESEARCH_PSEUDONYM_KEY = "short"
    with pytest.raises(ValidationError, match="too short"):
        export.export_request(actor=lead, scope_code=registry.code, queue=False)
    assert not ResearchExport.objects.exists()


def test_development_without_a_key_uses_a_labelled_default(nurse, registry, lead, settings):
    settings.RESEARCH_PSEUDONYM_KEY = ""
    permit(nurse, on_team(nurse), registry)
    built, files = run_export(lead, registry)
    assert built.key_source == "development default"
    assert "DEVELOPMENT KEY" in json.loads(files["manifest.json"])["warning"]


def test_the_page_request_queues_the_job_after_commit(
    registry, lead, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("apps.research.tasks.build_research_export.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(lead).post("/research/exports/", {"scope": registry.code})
    assert response.status_code == 302
    requested = ResearchExport.objects.get()
    assert queued == [requested.pk] and requested.status == "pending"
    page = client_for(lead).get("/research/exports/")
    assert b"Waiting to run" in page.content


def test_a_failed_build_is_marked_failed_and_leaves_no_file(nurse, registry, lead, monkeypatch, settings):
    permit(nurse, on_team(nurse), registry)
    requested = export.export_request(actor=lead, scope_code=registry.code, queue=False)

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(export, "access_record_export", broken)
    with pytest.raises(RuntimeError):
        export.export_build(export_id=requested.pk)
    failed = ResearchExport.objects.get(pk=requested.pk)
    assert failed.status == "failed" and "could not be built" in failed.error and failed.file_name == ""
    assert not list(settings.RESEARCH_EXPORT_ROOT.glob("*.zip"))
    assert not AccessEvent.objects.filter(channel="export").exists()
