import csv
import datetime
import io

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.caseload.services import attention_refresh
from apps.caseload.views import csv_cell
from apps.pathways import services as pathways
from apps.pathways.services.tracks import track_move
from apps.tasks.models import Task

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory


@pytest.fixture
def nurse(db):
    return StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"])


@pytest.fixture
def consultant(db):
    return StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"])


def test_caseload_lists_own_and_care_team_children_only(client, nurse):
    mine = PatientFactory(named_nurse=nurse, family_name="Mine")
    on_team = CareTeamMemberFactory(user=nurse, patient__family_name="Teamed").patient
    PatientFactory(family_name="Stranger")
    client.force_login(nurse)
    response = client.get("/caseload/")
    assert {p.pk for p in response.context["patients"]} == {mine.pk, on_team.pk}
    assert b"STRANGER" not in response.content
    assert AccessEvent.objects.filter(user=nurse, what="caseload").count() == 2


def test_consultants_see_their_care_team_children(client, consultant):
    child = CareTeamMemberFactory(user=consultant, role=StaffProfile.Role.CONSULTANT).patient
    PatientFactory()
    client.force_login(consultant)
    assert [p.pk for p in client.get("/caseload/").context["patients"]] == [child.pk]


def test_caseload_search_by_nhs_number_with_spaces(client, nurse):
    target = PatientFactory(named_nurse=nurse, nhs_number="9434765919")
    PatientFactory(named_nurse=nurse, nhs_number="4857773457")
    client.force_login(nurse)
    response = client.get("/caseload/", {"q": "943 476"})
    assert [p.pk for p in response.context["patients"]] == [target.pk]


def test_children_needing_attention_come_first_with_their_reasons(client, nurse, consultant):
    quiet = PatientFactory(named_nurse=nurse, family_name="Aaron")
    overdue = PatientFactory(named_nurse=nurse, family_name="Baker")
    relapsing = PatientFactory(named_nurse=nurse, family_name="Carter")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Task.objects.create(title="Call back", patient=overdue, assignee=nurse, due_on=yesterday)
    pathways.relapse_record(actor=nurse, patient=relapsing, onset_date=yesterday, severity="moderate")
    for patient in (quiet, overdue):  # recent contact, so only the flags above count
        pathways.track_change_stage(actor=nurse, patient=patient, specialty="nursing", to_stage="referred")
    client.force_login(nurse)
    response = client.get("/caseload/")
    patients = response.context["patients"]
    assert [p.pk for p in patients] == [relapsing.pk, overdue.pk, quiet.pk]
    assert [row["attention"] for row in response.context["rows"]] == [40, 15, 0]
    assert b"Relapse not resolved" in response.content and b"1 overdue task" in response.content
    only = client.get("/caseload/", {"attention": "1"}).context["patients"]
    assert {p.pk for p in only} == {relapsing.pk, overdue.pk}


def _csv_rows(response) -> list[list[str]]:
    assert response.streaming  # written as it is read, not built in memory first
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_has_the_visible_rows_and_is_audited(client, nurse):
    PatientFactory(named_nurse=nurse, family_name="=HYPERLINK(evil)", given_name="Zed")
    PatientFactory(named_nurse=nurse, family_name="@SUM(A1)", given_name="Yan")
    PatientFactory(named_nurse=nurse, family_name="Ordinary")
    PatientFactory(family_name="NotMine")
    client.force_login(nurse)
    rows = _csv_rows(client.get("/caseload/", {"format": "csv", "q": "Ordinary"}))
    assert rows[0][:3] == ["Family name", "Given name", "Hospital number"]
    assert [r[0] for r in rows[1:]] == ["Ordinary"]
    everything = _csv_rows(client.get("/caseload/", {"format": "csv"}))
    # No formula injection: a cell starting with =, +, -, @ is quoted.
    assert sorted(r[0] for r in everything[1:]) == ["'=HYPERLINK(evil)", "'@SUM(A1)", "Ordinary"]
    assert AccessEvent.objects.filter(user=nurse, what="caseload export", channel="export").count() == 4


def test_the_page_shows_50_children_at_a_time_and_the_csv_has_them_all(client, nurse):
    for i in range(55):
        PatientFactory(named_nurse=nurse, family_name=f"Child{i:02d}")
    client.force_login(nurse)
    first = client.get("/caseload/")
    assert len(first.context["rows"]) == 50 and b"55 children, showing 1 to 50" in first.content
    second = client.get("/caseload/", {"page": 2})
    assert [row["patient"].family_name for row in second.context["rows"]] == [
        f"Child{i}" for i in range(50, 55)
    ]
    assert b"Download all 55 rows" in first.content
    assert len(_csv_rows(client.get("/caseload/", {"format": "csv"}))) == 56


@pytest.mark.parametrize(
    "name", ["@SUM(A1:A9)", "=1+1", "+1", "-1", "\tx", "\rx", " =1+1", "\n@x", "\uff1d1", "\uff20x"]
)
def test_a_cell_a_spreadsheet_would_run_is_exported_as_text(client, nurse, name):
    PatientFactory(named_nurse=nurse, family_name="Safe", given_name=name)
    client.force_login(nurse)
    response = client.get("/caseload/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][1] == f"'{name}"


def test_plain_names_are_exported_as_they_are():
    assert [csv_cell(v) for v in ("O'Neil", "Anne-Marie", "", "Zoë 2")] == [
        "O'Neil",
        "Anne-Marie",
        "",
        "Zoë 2",
    ]


def test_families_cannot_reach_the_caseload(client, cast):
    client.force_login(cast.family_a)
    assert client.get("/caseload/").status_code == 404


def _busy_caseload(nurse, size):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for i in range(size):
        patient = PatientFactory(named_nurse=nurse)
        if i % 5 == 0:
            Task.objects.create(title="Follow up", patient=patient, assignee=nurse, due_on=yesterday)
            pathways.track_change_stage(
                actor=nurse, patient=patient, specialty="nursing", to_stage="referred"
            )


@pytest.mark.parametrize("size", [5, 300])
def test_caseload_query_count_does_not_grow(client, nurse, django_assert_max_num_queries, size):
    _busy_caseload(nurse, size)
    client.force_login(nurse)
    client.refresh_scores = False
    attention_refresh()
    # 13 (a page of 50 ordered by the stored scores, then that page's flags), and the safety flags
    # (tests/pathways/test_safety_flags.py)
    with django_assert_max_num_queries(24):
        response = client.get("/caseload/")
    assert len(response.context["patients"]) == min(size, 50)
    assert response.context["page"].paginator.count == size


def test_the_next_appointment_and_an_overdue_re_evaluation_show_on_the_row(client, nurse):
    from apps.accounts.models import Team
    from apps.referrals import services as referrals
    from apps.scheduling import services as scheduling
    from apps.scheduling.models import ReviewDue, ReviewPolicy

    child = PatientFactory(named_nurse=nurse, family_name="Morgan")
    pathways.track_change_stage(actor=nurse, patient=child, specialty="nursing", to_stage="referred")
    start = timezone.now() + datetime.timedelta(days=3)
    scheduling.appointment_book(
        actor=nurse,
        patient=child,
        kind="infusion",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
    )
    neuropsychology, _ = Team.objects.get_or_create(
        code="neuropsychology", defaults={"name": "Neuropsychology"}
    )
    policy = ReviewPolicy.objects.create(
        name="Neuropsychology",
        target_team=neuropsychology,
        appointment_kind="neuropsychology",
        baseline_within_months=6,
        interval_months=24,
    )
    referral = referrals.referral_create(
        actor=nurse, patient=child, target_team=neuropsychology, reason="Re-evaluation", urgency="routine"
    )
    ReviewDue.objects.create(
        patient=child,
        policy=policy,
        due_on=timezone.localdate() - datetime.timedelta(days=10),
        referral=referral,
    )
    client.force_login(nurse)
    response = client.get("/caseload/")
    row = response.context["rows"][0]
    assert row["patient"].next_appointment_kind == "infusion" and row["review_overdue"]
    assert row["attention"] == 10  # the overdue re-evaluation
    assert b"Re-evaluation overdue" in response.content and b"Infusion day case" in response.content


def test_family_messages_show_on_the_row_and_need_attention(cast, client):
    from apps.messaging import services as messaging

    messaging.thread_start(
        actor=cast.family_a, patient=cast.child_a, subject="Wobbly again", body="He is unsteady today."
    )
    client.force_login(cast.nurse_a)
    response = client.get("/caseload/")
    row = next(r for r in response.context["rows"] if r["patient"].pk == cast.child_a.pk)
    assert row["patient"].unread_family_messages == 1 and row["items"]["family_waiting"]
    assert (
        b"Family waiting for a reply" in response.content and b"1 unread family message" in response.content
    )
    thread = cast.child_a.threads.get()
    messaging.thread_mark_read(actor=cast.nurse_a, thread=thread)
    messaging.message_post(actor=cast.nurse_a, thread=thread, body="I will call you this afternoon.")
    row = next(r for r in client.get("/caseload/").context["rows"] if r["patient"].pk == cast.child_a.pk)
    assert row["patient"].unread_family_messages == 0 and not row["items"]["family_waiting"]


def test_the_childs_name_on_the_caseload_opens_their_summary(client, nurse):
    child = PatientFactory(named_nurse=nurse, family_name="Summary", given_name="Sam")
    client.force_login(nurse)
    html = client.get("/caseload/").content.decode()
    assert f'<a href="/patients/{child.pk}/">SUMMARY, Sam</a>' in html


def test_each_row_shows_its_own_childs_specialty_stages(client, nurse):
    """The chips are drawn once per combination of stages and shared between rows (views._lanes)."""
    treated, referred, _plain = (PatientFactory(named_nurse=nurse, family_name=n) for n in ("Aa", "Bb", "Cc"))
    track_move(actor=nurse, patient=treated, specialty="oncology", to_stage="referred")
    track_move(actor=nurse, patient=treated, specialty="oncology", to_stage="assessing")
    track_move(actor=nurse, patient=treated, specialty="oncology", to_stage="treating")
    track_move(actor=nurse, patient=referred, specialty="psychology", to_stage="referred")
    client.force_login(nurse)
    html = client.get("/caseload/").content.decode()

    def chips(family_name: str) -> str:
        row = html[html.index(family_name.upper() + ",") :]
        return row[row.index('<ol class="lanes-compact">') : row.index("</ol>")]

    assert "Oncology: Treating" in chips("Aa") and "Psychology: Not involved" in chips("Aa")
    assert "Psychology: Referred" in chips("Bb") and "Oncology: Not involved" in chips("Bb")
    assert (
        "Referred" not in chips("Cc") and chips("Cc").count("Not involved") == 14
    )  # 7 titles, 7 hidden texts
    assert chips("Cc").count('class="lane-chip lane-chip--not_involved"') == 7
