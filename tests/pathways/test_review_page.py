"""The consultant's pathway review page: scope, audit, htmx writes and a flat query count."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.pathways import services
from apps.pathways.models import Relapse, SeverityScore, TreatmentCourse
from carecoord.errors import ROLE_REFUSAL

from ..factories import CareTeamMemberFactory, StaffFactory

SVG = "{http://www.w3.org/2000/svg}"
ITEMS = [services.ItemSpec("Stance"), services.ItemSpec("Gait"), services.ItemSpec("Speech")]


@pytest.fixture
def scale(db):
    return services.scale_create(actor=None, name="Test scale", items=ITEMS, is_demo=True)


@pytest.fixture
def consultant(cast):
    user = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=user, role=StaffProfile.Role.CONSULTANT)
    return user


def _url(cast, suffix=""):
    return f"/patients/{cast.child_a.pk}/pathway/{suffix}"


def _svg(response):
    html = response.content.decode()
    start = html.index("<svg")
    end = html.index("</svg>") + len("</svg>")
    return ET.fromstring(html[start:end])


def test_consultant_sees_the_whole_pathway(client, cast, consultant, scale):
    today = timezone.localdate()
    for days, values in [
        (90, {"stance": 3, "gait": 3, "speech": 2}),
        (30, {"stance": 1, "gait": 1, "speech": 1}),
    ]:
        services.score_record(
            actor=consultant,
            patient=cast.child_a,
            scale=scale,
            assessed_on=today - datetime.timedelta(days=days),
            values=values,
        )
    services.course_create(
        actor=consultant, patient=cast.child_a, agent="acth", start_date=today - datetime.timedelta(days=100)
    )
    services.relapse_record(
        actor=consultant,
        patient=cast.child_a,
        onset_date=today - datetime.timedelta(days=40),
        severity="mild",
    )
    client.force_login(consultant)
    response = client.get(_url(cast))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.last_score.total == 3 and summary.last_score.max_total == 9
    assert [c.label for c in summary.current_courses] == ["ACTH"]
    svg = _svg(response)
    assert len(svg.findall(f".//{SVG}circle[@class='score-point']")) == 2
    assert len(svg.findall(f".//{SVG}g[@class='relapse-marker']")) == 1
    assert len([r for r in svg.iter(f"{SVG}rect") if "course-band" in r.get("class", "")]) == 1
    assert b'id="severity-table"' in response.content  # the text alternative
    assert AccessEvent.objects.filter(user=consultant, patient=cast.child_a, what="pathway").count() == 1


@pytest.mark.parametrize(
    ("subject", "status"),
    [
        ("family_a", 404),
        ("family_b", 404),
        ("nurse_other", 404),
        ("nurse_a", 200),
        ("nurse_glass", 200),
    ],
)
def test_the_pathway_is_staff_only_and_scoped(client, cast, subject, status):
    client.force_login(getattr(cast, subject))
    for suffix in ("", "timeline/"):
        assert client.get(_url(cast, suffix)).status_code == status
    post = client.post(
        _url(cast, "relapse/"),
        {"relapse-onset_date": "2026-01-01", "relapse-severity": "mild", "relapse-trigger": "unknown"},
    )
    assert post.status_code == (404 if status == 404 else post.status_code)
    if status == 404:
        assert not Relapse.objects.exists()


def test_recording_a_score_with_htmx_refreshes_the_pathway(client, cast, consultant, scale):
    client.force_login(consultant)
    data = {
        "score-assessed_on": timezone.localdate().isoformat(),
        "score-item_stance": "2",
        "score-item_gait": "1",
        "score-item_speech": "0",
    }
    response = client.post(_url(cast, "score/"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#pathway-body"
    assert SeverityScore.objects.get().values.count() == 3
    assert b"Score recorded." in response.content
    assert len(_svg(response).findall(f".//{SVG}circle[@class='score-point']")) == 1


def test_an_out_of_range_score_is_refused_next_to_the_field(client, cast, consultant, scale):
    client.force_login(consultant)
    data = {
        "score-assessed_on": timezone.localdate().isoformat(),
        "score-item_stance": "9",
        "score-item_gait": "1",
        "score-item_speech": "0",
    }
    response = client.post(_url(cast, "score/"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response.context["slot"].form.errors["item_stance"] == [
        "Stance must be between 0 and 3; 9 is outside it."
    ]
    assert not SeverityScore.objects.exists()
    full_page = client.post(_url(cast, "score/"), data)
    assert full_page.status_code == 400 and b"<nav" in full_page.content


def test_a_nurse_cannot_start_a_course(client, cast, scale):
    client.force_login(cast.nurse_a)
    data = {
        "course-agent": "ivig",
        "course-status": "active",
        "course-start_date": timezone.localdate().isoformat(),
    }
    response = client.post(_url(cast, "course/"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert ROLE_REFUSAL in response.content.decode()
    assert not TreatmentCourse.objects.exists()
    page = client.get(_url(cast))
    assert "course" not in [slot.key for slot in page.context["panel"]]
    assert "score" in [slot.key for slot in page.context["panel"]]


def test_stopping_a_course_needs_a_reason(client, cast, consultant):
    course = services.course_create(
        actor=consultant, patient=cast.child_a, agent="ivig", start_date=timezone.localdate()
    )
    client.force_login(consultant)
    url = _url(cast, f"course-transition/{course.pk}/")
    prefix = f"course-transition-{course.pk}"
    response = client.post(
        url,
        {f"{prefix}-to_status": "stopped", f"{prefix}-on_date": timezone.localdate().isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert response.context["slot"].form.errors["reason"] == ["Give a reason for stopping the course."]
    course.refresh_from_db()
    assert course.status == "active"


def test_an_object_of_another_child_is_404(client, cast, consultant):
    other_course = services.course_create(
        actor=consultant, patient=cast.child_b, agent="ivig", start_date=timezone.localdate()
    )
    client.force_login(consultant)
    response = client.post(_url(cast, f"course-transition/{other_course.pk}/"), {})
    assert response.status_code == 404


def test_timeline_filters_by_specialty(client, cast, consultant):
    services.track_change_stage(
        actor=consultant, patient=cast.child_a, specialty="oncology", to_stage="referred"
    )
    services.track_change_stage(
        actor=consultant, patient=cast.child_a, specialty="neurology", to_stage="referred"
    )
    client.force_login(consultant)
    response = client.get(_url(cast, "timeline/"), {"specialty": "oncology"})
    assert [e.specialty for e in response.context["timeline"]] == ["oncology"]


def _events(consultant, patient, scale, n):
    today = timezone.localdate()
    for i in range(n):
        day = today - datetime.timedelta(days=n - i)
        services.score_record(
            actor=consultant,
            patient=patient,
            scale=scale,
            assessed_on=day,
            values={"stance": 1, "gait": 1, "speech": 1},
        )
        if i % 10 == 0:
            course = services.course_create(actor=consultant, patient=patient, agent="ivig", start_date=day)
            services.course_transition(actor=consultant, course=course, to_status="completed", on_date=day)
            services.relapse_record(actor=consultant, patient=patient, onset_date=day, severity="mild")
            services.investigation_request(
                actor=consultant, patient=patient, kind="mri_brain", requested_on=day
            )


@pytest.mark.parametrize("events", [1, 50])
def test_the_review_page_query_count_is_flat(
    client, cast, consultant, scale, django_assert_max_num_queries, events
):
    _events(consultant, cast.child_a, scale, events)
    client.force_login(consultant)
    # 32, the safety flags (11 at most: tests/pathways/test_safety_flags.py), and 4 for the family-data
    # apps (diary, watch, questionnaires, videos: chart layers and timeline sources)
    with django_assert_max_num_queries(47):
        response = client.get(_url(cast))
    assert len(response.context["summary"].scores) == events


def test_the_page_reads_each_part_of_the_childs_record_once(client, cast, consultant, scale):
    """Summary, chart and timeline share one read of each list (carecoord/request_memo.py), and the
    audit row and the break-glass banner one reading of the basis of access."""
    _events(consultant, cast.child_a, scale, 11)
    client.force_login(consultant)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(cast))
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    for table in (
        "pathways_diagnosticcriterion",
        "pathways_tumour",
        "pathways_relapse",
        "pathways_severityscore",
        "pathways_symptomreport",
        "diary_diaryentry",
        "questionnaires_questionnaireresponse",
        "neuropsych_assessment",
    ):
        reads = [s for s in sql if s.startswith("SELECT") and f'FROM "{table}"' in s]
        assert len(reads) == 1, table
    assert sum('AS "_basis_0"' in s for s in sql) == 1
    # What it shows is the whole record: every score and relapse, on the chart and the timeline.
    assert len(response.context["summary"].scores) == 11
    assert len(response.context["summary"].relapses) == 2
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert kinds.count("score") == 11 and kinds.count("relapse") == 2
