"""The pathway API: each endpoint for a consultant on the care team, bad input, roles, scope, audit
and query counts. Staff only: a family gets 404 even for their own child."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.pathways import services
from apps.pathways.models import (
    DiagnosticAssessment,
    DiagnosticCriterion,
    Investigation,
    Relapse,
    SeverityScore,
    SpecialtyTrack,
    TrackEvent,
    TreatmentCourse,
    Tumour,
)

from ..factories import CareTeamMemberFactory, StaffFactory

TODAY = timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def consultant(cast):
    user = StaffFactory(full_name="Cara Consultant", role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=user, role=StaffProfile.Role.CONSULTANT)
    return user


@pytest.fixture
def scale(db):
    return services.scale_create(
        actor=None,
        name="Test ataxia scale",
        items=[
            services.ItemSpec("Gait", 0, 3, code="gait"),
            services.ItemSpec("Opsoclonus", 0, 4, code="eyes"),
        ],
    )


def url(patient, route=""):
    return f"/api/v1/patients/{patient.pk}/{route}"


def record_score(actor, patient, scale, gait=2, eyes=1, day=5):
    return services.score_record(
        actor=actor,
        patient=patient,
        scale=scale,
        assessed_on=days_ago(day),
        values={"gait": gait, "eyes": eyes},
    )


def start_course(actor, patient, agent="dexamethasone_pulses", day=60):
    return services.course_create(actor=actor, patient=patient, agent=agent, start_date=days_ago(day))


# --- Happy paths --------------------------------------------------------------------------------


def test_it_shows_the_pathway_summary(cast, consultant, api_for, scale):
    child = cast.child_a
    for criterion in ("opsoclonus", "ataxia_myoclonus"):
        services.assessment_record_criterion(
            actor=consultant, patient=child, criterion=criterion, present=True, observed_on=days_ago(30)
        )
    services.tumour_record(actor=consultant, patient=child, site="Left adrenal", detected_on=days_ago(40))
    course = start_course(consultant, child)
    record_score(consultant, child, scale, gait=3, eyes=2)
    services.relapse_record(actor=consultant, patient=child, onset_date=days_ago(10), severity="mild")
    services.investigation_request(actor=consultant, patient=child, kind="mibg")
    services.track_change_stage(actor=consultant, patient=child, specialty="oncology", to_stage="referred")

    response = api_for(consultant).get(url(child, "pathway/"))

    assert response.status_code == 200
    body = response.json()
    assert body["patient"] == child.pk
    assert (body["criteria_met"], body["criteria_total"]) == (2, 4)
    assert [c["criterion"] for c in body["criteria"]] == ["ataxia_myoclonus", "opsoclonus"]
    assert body["oms_status"] == "suspected" and body["aetiology"] == "unknown"
    assert body["onset_date"] is None and body["diagnosis_date"] is None
    assert [t["site"] for t in body["tumours"]] == ["Left adrenal"]
    assert [c["id"] for c in body["current_courses"]] == [course.pk]
    assert body["current_courses"][0]["prescriber_name"] == "Cara Consultant"
    assert (body["last_score"]["total"], body["last_score"]["max_total"]) == (5, 7)
    assert body["relapse_count"] == 1
    assert body["open_items"] == ["1 investigation awaited", "1 relapse not yet resolved"]
    tracks = {t["specialty"]: t for t in body["tracks"]}
    assert len(tracks) == 7
    assert tracks["oncology"]["stage"] == "referred" and tracks["oncology"]["changed_at"]
    therapies = tracks["therapies"]
    assert (therapies["specialty_label"], therapies["stage"], therapies["stage_label"]) == (
        "Therapies",
        "not_involved",
        "Not involved",
    )


def test_it_shows_the_timeline_newest_first_and_by_specialty(cast, consultant, api_for, scale):
    child = cast.child_a
    record_score(consultant, child, scale, day=20)
    services.tumour_record(actor=consultant, patient=child, site="Chest", detected_on=days_ago(10))
    client = api_for(consultant)

    everything = client.get(url(child, "timeline/")).json()
    oncology = client.get(url(child, "timeline/"), {"specialty": "oncology"}).json()

    assert everything["count"] == 2
    assert [e["kind"] for e in everything["results"]] == ["tumour", "score"]
    assert everything["results"][1]["summary"] == "Severity score 3/7 (Test ataxia scale v1)"
    assert everything["results"][1]["actor"] == "Cara Consultant"
    assert [e["summary"] for e in oncology["results"]] == ["Tumour found: Chest"]


def test_timeline_refuses_an_unknown_specialty(cast, consultant, api_for):
    response = api_for(consultant).get(url(cast.child_a, "timeline/"), {"specialty": "astrology"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["specialty"]


def test_it_records_and_lists_criteria(cast, consultant, api_for):
    client = api_for(consultant)
    body = {
        "criterion": "opsoclonus",
        "present": True,
        "observed_on": str(days_ago(3)),
        "note": "Clear flutter",
    }

    created = client.post(url(cast.child_a, "criteria/"), body, format="json")
    listed = client.get(url(cast.child_a, "criteria/"))

    assert created.status_code == 201
    row = DiagnosticCriterion.objects.get()
    assert (row.criterion, row.present, row.note, row.recorded_by) == (
        "opsoclonus",
        True,
        "Clear flutter",
        consultant,
    )
    assert row.assessment.patient == cast.child_a
    assert listed.json()["count"] == 1
    assert listed.json()["results"][0]["criterion_label"] == "Opsoclonus or ocular flutter"


def test_it_updates_the_assessment(cast, consultant, api_for):
    for criterion in ("opsoclonus", "ataxia_myoclonus", "behaviour_sleep"):
        services.assessment_record_criterion(
            actor=consultant, patient=cast.child_a, criterion=criterion, present=True, observed_on=days_ago(9)
        )
    body = {
        "oms_status": "confirmed",
        "aetiology": "post_infectious",
        "onset_date": str(days_ago(20)),
        "diagnosis_date": str(days_ago(2)),
    }

    response = api_for(consultant).patch(url(cast.child_a, "assessment/"), body, format="json")

    assert response.status_code == 200
    assessment = DiagnosticAssessment.objects.get(patient=cast.child_a)
    assert (assessment.oms_status, assessment.aetiology) == ("confirmed", "post_infectious")
    assert (assessment.onset_date, assessment.diagnosis_date) == (days_ago(20), days_ago(2))
    assert assessment.updated_by == consultant


def test_confirming_oms_without_three_criteria_is_a_400(cast, consultant, api_for):
    body = {"oms_status": "confirmed", "diagnosis_date": str(days_ago(1))}
    response = api_for(consultant).patch(url(cast.child_a, "assessment/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["oms_status"][0].startswith("Confirming OMS needs at least 3")
    assert not DiagnosticAssessment.objects.filter(oms_status="confirmed").exists()


def test_it_walks_an_investigation_from_request_to_acknowledgement(cast, consultant, api_for):
    client = api_for(consultant)
    base = url(cast.child_a, "investigations/")

    created = client.post(base, {"kind": "mri_brain"}, format="json")
    pk = created.json()["id"]
    booked = client.post(f"{base}{pk}/book/", {"booked_for": str(TODAY)}, format="json")
    done = client.post(f"{base}{pk}/done/", {"done_on": str(TODAY)}, format="json")
    resulted = client.post(
        f"{base}{pk}/result/", {"result_summary": "Normal", "abnormal": False}, format="json"
    )
    acknowledged = client.post(f"{base}{pk}/acknowledge/")
    detail = client.get(f"{base}{pk}/")

    assert created.status_code == 201 and created.json()["status"] == "requested"
    assert [r.json()["status"] for r in (booked, done, resulted)] == ["booked", "done", "resulted"]
    assert acknowledged.status_code == 200
    investigation = Investigation.objects.get(pk=pk)
    assert investigation.status == "resulted"
    assert (investigation.booked_for, investigation.done_on) == (TODAY, TODAY)
    assert (investigation.result_summary, investigation.abnormal) == ("Normal", False)
    assert investigation.acknowledged_by == consultant and investigation.acknowledged_at
    assert detail.json()["acknowledged_by_name"] == "Cara Consultant"
    assert client.get(base).json()["count"] == 1
    assert client.get(base, {"status": "cancelled"}).json()["count"] == 0


def test_it_cancels_an_investigation_with_a_reason_only(cast, consultant, api_for):
    investigation = services.investigation_request(actor=consultant, patient=cast.child_a, kind="mibg")
    cancel = url(cast.child_a, f"investigations/{investigation.pk}/cancel/")
    client = api_for(consultant)

    blank = client.post(cancel, {"reason": " "}, format="json")
    cancelled = client.post(cancel, {"reason": "Done at the referring hospital"}, format="json")
    again = client.post(cancel, {"reason": "Twice"}, format="json")

    assert blank.status_code == 400
    assert blank.json()["error"]["fields"] == {"reason": ["Give a reason for cancelling."]}
    assert cancelled.status_code == 200
    investigation.refresh_from_db()
    assert (investigation.status, investigation.cancel_reason) == (
        "cancelled",
        "Done at the referring hospital",
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == "illegal_transition"


def test_it_records_and_updates_a_tumour(cast, consultant, api_for):
    client = api_for(consultant)
    body = {"site": "Left adrenal", "detected_on": str(days_ago(30)), "inrg_stage": "L1"}

    created = client.post(url(cast.child_a, "tumours/"), body, format="json")
    pk = created.json()["id"]
    patch = {"resected_on": str(days_ago(5)), "oncology_status": "post_surgery_monitoring"}
    updated = client.patch(url(cast.child_a, f"tumours/{pk}/"), patch, format="json")
    backwards = client.patch(
        url(cast.child_a, f"tumours/{pk}/"), {"resected_on": str(days_ago(40))}, format="json"
    )

    assert created.status_code == 201 and updated.status_code == 200
    tumour = Tumour.objects.get(pk=pk)
    assert (tumour.site, tumour.inrg_stage, tumour.recorded_by) == ("Left adrenal", "L1", consultant)
    assert (tumour.resected_on, tumour.oncology_status) == (days_ago(5), "post_surgery_monitoring")
    assert backwards.status_code == 400 and list(backwards.json()["error"]["fields"]) == ["resected_on"]
    assert client.get(url(cast.child_a, f"tumours/{pk}/")).json()["resected_on"] == str(days_ago(5))


def test_it_records_a_score_and_lists_it_with_totals_and_values(cast, consultant, api_for, scale):
    client = api_for(consultant)
    body = {
        "scale": scale.pk,
        "assessed_on": str(days_ago(1)),
        "values": {"gait": 2, "eyes": 4},
        "note": "Tired",
    }

    created = client.post(url(cast.child_a, "scores/"), body, format="json")
    listed = client.get(url(cast.child_a, "scores/")).json()

    assert created.status_code == 201
    score = SeverityScore.objects.get()
    assert (score.patient, score.scale, score.assessor, score.note) == (
        cast.child_a,
        scale,
        consultant,
        "Tired",
    )
    assert sorted(score.values.values_list("item__code", "value")) == [("eyes", 4), ("gait", 2)]
    assert listed["count"] == 1
    row = listed["results"][0]
    assert (row["total"], row["max_total"], row["scale_name"]) == (6, 7, "Test ataxia scale")
    assert row["values"] == [
        {"code": "gait", "label": "Gait", "value": 2},
        {"code": "eyes", "label": "Opsoclonus", "value": 4},
    ]
    assert created.json() == row


def test_it_creates_a_course_and_moves_it_on(cast, consultant, api_for):
    client = api_for(consultant)
    body = {"agent": "dexamethasone_pulses", "start_date": str(days_ago(90)), "regimen_notes": "12 pulses"}

    created = client.post(url(cast.child_a, "courses/"), body, format="json")
    pk = created.json()["id"]
    transition = url(cast.child_a, f"courses/{pk}/transition/")
    weaning = client.post(transition, {"to_status": "weaning", "on_date": str(days_ago(10))}, format="json")
    completed = client.post(transition, {"to_status": "completed", "on_date": str(TODAY)}, format="json")
    detail = client.get(url(cast.child_a, f"courses/{pk}/")).json()

    assert created.status_code == 201 and created.json()["status"] == "active"
    assert weaning.status_code == 200 and completed.status_code == 200
    course = TreatmentCourse.objects.get(pk=pk)
    assert (course.status, course.wean_started_on, course.ended_on) == ("completed", days_ago(10), TODAY)
    assert (course.prescriber, course.regimen_notes) == (consultant, "12 pulses")
    assert [(e["from_status"], e["to_status"]) for e in detail["events"]] == [
        ("", "active"),
        ("active", "weaning"),
        ("weaning", "completed"),
    ]
    assert client.get(url(cast.child_a, "courses/")).json()["results"][0]["label"] == "Dexamethasone pulses"


def test_it_records_a_relapse_and_its_resolution(cast, consultant, api_for):
    course = start_course(consultant, cast.child_a)
    client = api_for(consultant)
    body = {"onset_date": str(days_ago(14)), "severity": "moderate", "trigger": "illness"}

    created = client.post(url(cast.child_a, "relapses/"), body, format="json")
    pk = created.json()["id"]
    patch = {"response": "IVIG given", "response_course": course.pk, "resolved_on": str(days_ago(2))}
    updated = client.patch(url(cast.child_a, f"relapses/{pk}/"), patch, format="json")

    assert created.status_code == 201 and updated.status_code == 200
    relapse = Relapse.objects.get(pk=pk)
    assert (relapse.severity, relapse.trigger, relapse.recorded_by) == ("moderate", "illness", consultant)
    assert (relapse.response, relapse.response_course, relapse.resolved_on) == (
        "IVIG given",
        course,
        days_ago(2),
    )
    assert client.get(url(cast.child_a, f"relapses/{pk}/")).json()["resolved_on"] == str(days_ago(2))


def test_a_relapse_cannot_point_at_another_childs_course(cast, consultant, api_for):
    other_course = start_course(consultant, cast.child_b)
    body = {"onset_date": str(days_ago(3)), "severity": "mild", "response_course": other_course.pk}
    response = api_for(consultant).post(url(cast.child_a, "relapses/"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["response_course"]
    assert not Relapse.objects.exists()


def test_it_lists_seven_tracks_and_moves_one(cast, consultant, api_for):
    client = api_for(consultant)
    move = url(cast.child_a, "tracks/neurology/move/")

    listed = client.get(url(cast.child_a, "tracks/"))
    referred = client.post(move, {"to_stage": "referred", "note": "New patient"}, format="json")
    assessing = client.post(move, {"to_stage": "assessing", "expected_stage": "referred"}, format="json")

    assert [t["stage"] for t in listed.json()] == ["not_involved"] * 7
    assert [t["changed_at"] for t in listed.json()] == [None] * 7  # no track rows exist yet
    assert referred.status_code == 200 and assessing.json()["stage"] == "assessing"
    track = SpecialtyTrack.objects.get(patient=cast.child_a, specialty="neurology")
    assert track.stage == "assessing"
    assert list(TrackEvent.objects.filter(track=track).values_list("from_stage", "to_stage", "note")) == [
        ("not_involved", "referred", "New patient"),
        ("referred", "assessing", ""),
    ]


def test_a_track_move_refuses_stale_and_illegal_moves(cast, consultant, api_for):
    client = api_for(consultant)
    move = url(cast.child_a, "tracks/oncology/move/")

    illegal = client.post(move, {"to_stage": "treating"}, format="json")
    stale = client.post(move, {"to_stage": "referred", "expected_stage": "monitoring"}, format="json")
    unknown = client.post(
        url(cast.child_a, "tracks/astrology/move/"), {"to_stage": "referred"}, format="json"
    )

    assert illegal.status_code == 400 and illegal.json()["error"]["code"] == "illegal_transition"
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    assert unknown.status_code == 404
    assert not TrackEvent.objects.exists()


def test_it_lists_active_scales_with_items_for_any_staff(cast, api_for, scale):
    retired = services.scale_create(actor=None, name="Old scale", items=[services.ItemSpec("Gait")])
    retired.is_active = False
    retired.save(update_fields=["is_active"])

    response = api_for(cast.nurse_other).get("/api/v1/scales/")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["name"], row["version"]) == (scale.pk, "Test ataxia scale", 1)
    assert [(i["code"], i["minimum"], i["maximum"]) for i in row["items"]] == [("gait", 0, 3), ("eyes", 0, 4)]


def test_a_family_cannot_list_scales(cast, api_for, scale):
    response = api_for(cast.family_a).get("/api/v1/scales/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


# --- Bad input ----------------------------------------------------------------------------------


def test_an_out_of_range_score_is_a_400_on_the_item_and_writes_nothing(cast, consultant, api_for, scale):
    body = {"scale": scale.pk, "assessed_on": str(days_ago(1)), "values": {"gait": 7, "eyes": 1}}

    response = api_for(consultant).post(url(cast.child_a, "scores/"), body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"values": {"gait": ["Gait must be between 0 and 3; 7 is outside it."]}}
    assert not SeverityScore.objects.exists()


def test_a_score_missing_an_item_or_naming_an_unknown_one_is_a_400(cast, consultant, api_for, scale):
    body = {"scale": scale.pk, "assessed_on": str(days_ago(1)), "values": {"gait": 1, "stance": 2}}

    response = api_for(consultant).post(url(cast.child_a, "scores/"), body, format="json")

    assert response.status_code == 400
    values = response.json()["error"]["fields"]["values"]
    assert values["eyes"] == ["Enter a value for Opsoclonus."]
    assert values["non_field_errors"][0].startswith("These items are not on")
    assert not SeverityScore.objects.exists()


def test_an_illegal_course_transition_is_a_400_with_the_service_code(cast, consultant, api_for):
    course = start_course(consultant, cast.child_a)
    services.course_transition(actor=consultant, course=course, to_status="completed", on_date=TODAY)

    response = api_for(consultant).post(
        url(cast.child_a, f"courses/{course.pk}/transition/"), {"to_status": "active"}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["message"].startswith(
        "This Dexamethasone pulses course cannot move from completed to active."
    )
    assert error["fields"] == {}
    course.refresh_from_db()
    assert course.status == "completed" and course.events.count() == 2


def test_stopping_a_course_without_a_reason_is_a_400(cast, consultant, api_for):
    course = start_course(consultant, cast.child_a)

    response = api_for(consultant).post(
        url(cast.child_a, f"courses/{course.pk}/transition/"),
        {"to_status": "stopped", "reason": ""},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": ["Give a reason for stopping the course."]}
    course.refresh_from_db()
    assert course.status == "active" and course.events.count() == 1


# --- Roles, scope and audit ---------------------------------------------------------------------


def test_a_nurse_specialist_cannot_create_a_course(cast, api_for):
    body = {"agent": "ivig", "start_date": str(days_ago(1))}

    response = api_for(cast.nurse_a).post(url(cast.child_a, "courses/"), body, format="json")

    assert response.status_code == 403
    assert response.json()["error"] == {
        "status": 403,
        "code": "permission_denied",
        "message": "Only a consultant can record treatment courses.",
        "fields": {},
    }
    assert not TreatmentCourse.objects.exists()


@pytest.mark.parametrize(
    ("route", "method", "body"),
    [
        ("criteria/", "post", {"criterion": "opsoclonus", "present": True, "observed_on": "2020-01-01"}),
        ("assessment/", "patch", {"aetiology": "idiopathic"}),
        ("tumours/", "post", {"site": "Chest", "detected_on": "2020-01-01"}),
        ("course/transition/", "post", {"to_status": "stopped", "reason": "Side effects"}),
    ],
)
def test_a_nurse_specialist_cannot_make_consultant_decisions(cast, consultant, api_for, route, method, body):
    course = start_course(consultant, cast.child_a)
    route = route.replace("course/", f"courses/{course.pk}/")

    response = getattr(api_for(cast.nurse_a), method)(url(cast.child_a, route), body, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not DiagnosticCriterion.objects.exists() and not DiagnosticAssessment.objects.exists()
    assert not Tumour.objects.exists()
    course.refresh_from_db()
    assert course.status == "active"


@pytest.fixture
def record(cast, consultant, scale):
    """One row of everything on child A, for routes that need an id."""
    child = cast.child_a
    return {
        "investigation": services.investigation_request(actor=consultant, patient=child, kind="mri_brain").pk,
        "tumour": services.tumour_record(
            actor=consultant, patient=child, site="Chest", detected_on=days_ago(9)
        ).pk,
        "course": start_course(consultant, child).pk,
        "relapse": services.relapse_record(
            actor=consultant, patient=child, onset_date=days_ago(4), severity="mild"
        ).pk,
        "score": record_score(consultant, child, scale).pk,
        "scale": scale.pk,
    }


READS = [
    "pathway/",
    "timeline/",
    "criteria/",
    "investigations/",
    "investigations/{investigation}/",
    "tumours/",
    "tumours/{tumour}/",
    "scores/",
    "courses/",
    "courses/{course}/",
    "relapses/",
    "relapses/{relapse}/",
    "tracks/",
]

WRITES = [
    ("post", "criteria/", {"criterion": "opsoclonus", "present": True, "observed_on": "2020-01-01"}),
    ("patch", "assessment/", {"aetiology": "idiopathic"}),
    ("post", "investigations/", {"kind": "mibg"}),
    ("post", "investigations/{investigation}/book/", {"booked_for": "2030-01-01"}),
    ("post", "investigations/{investigation}/done/", {"done_on": "2020-01-01"}),
    ("post", "investigations/{investigation}/result/", {"result_summary": "Fine", "abnormal": False}),
    ("post", "investigations/{investigation}/acknowledge/", {}),
    ("post", "investigations/{investigation}/cancel/", {"reason": "Not needed"}),
    ("post", "tumours/", {"site": "Chest", "detected_on": "2020-01-01"}),
    ("patch", "tumours/{tumour}/", {"site": "Neck"}),
    ("post", "scores/", {"scale": "{scale}", "assessed_on": "2020-01-01", "values": {"gait": 1, "eyes": 1}}),
    ("post", "courses/", {"agent": "ivig", "start_date": "2020-01-01"}),
    ("post", "courses/{course}/transition/", {"to_status": "stopped", "reason": "Side effects"}),
    ("post", "relapses/", {"onset_date": "2020-01-01", "severity": "mild"}),
    ("patch", "relapses/{relapse}/", {"response": "Watched"}),
    ("post", "tracks/neurology/move/", {"to_stage": "referred"}),
]


def _fill(value, record):
    if isinstance(value, str):
        return value.format(**record)
    if isinstance(value, dict):
        return {k: int(_fill(v, record)) if v == "{scale}" else _fill(v, record) for k, v in value.items()}
    return value


def _snapshot():
    return [
        model.objects.count()
        for model in (
            DiagnosticCriterion,
            Investigation,
            Tumour,
            SeverityScore,
            TreatmentCourse,
            Relapse,
            TrackEvent,
        )
    ] + [
        list(Investigation.objects.values_list("status", flat=True)),
        list(Tumour.objects.values_list("site")),
    ]


@pytest.mark.parametrize("subject", ["family_a", "nurse_other"])
@pytest.mark.parametrize("route", READS)
def test_reads_are_404_for_a_family_and_for_staff_out_of_scope(cast, api_for, record, subject, route):
    user = getattr(cast, subject)
    response = api_for(user).get(url(cast.child_a, route.format(**record)))
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(user=user).exists()


@pytest.mark.parametrize("subject", ["family_a", "nurse_other"])
@pytest.mark.parametrize(("method", "route", "body"), WRITES)
def test_writes_are_404_for_a_family_and_for_staff_out_of_scope(
    cast, api_for, record, subject, method, route, body
):
    before = _snapshot()
    client = api_for(getattr(cast, subject))
    response = getattr(client, method)(
        url(cast.child_a, route.format(**record)), _fill(body, record), format="json"
    )
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("route", READS)
def test_break_glass_reads_work_and_each_writes_one_access_event(cast, api_for, record, route):
    response = api_for(cast.nurse_glass).get(url(cast.child_a, route.format(**record)))

    assert response.status_code == 200
    [event] = AccessEvent.objects.filter(user=cast.nurse_glass)
    assert (event.patient, event.via_break_glass, event.channel) == (cast.child_a, True, "api")
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize("route", READS)
def test_care_team_reads_are_audited_once_per_request(cast, consultant, api_for, record, route):
    client = api_for(consultant)
    client.get(url(cast.child_a, route.format(**record)))
    client.get(url(cast.child_a, route.format(**record)))
    events = AccessEvent.objects.filter(user=consultant, patient=cast.child_a)
    assert events.count() == 2 and not events.filter(via_break_glass=True).exists()


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 50])
def test_scores_list_query_count_is_flat(
    cast, consultant, api_for, scale, django_assert_max_num_queries, size
):
    for day in range(size):
        record_score(consultant, cast.child_a, scale, day=day)
    client = api_for(consultant)
    with django_assert_max_num_queries(6):  # child, count, page, values, audit (2)
        response = client.get(url(cast.child_a, "scores/"))
    assert response.json()["count"] == size
    assert all(len(row["values"]) == 2 for row in response.json()["results"])


@pytest.mark.parametrize("size", [1, 50])
def test_timeline_query_count_is_flat(cast, consultant, api_for, scale, django_assert_max_num_queries, size):
    child = cast.child_a
    for day in range(size):
        record_score(consultant, child, scale, day=day)
        services.investigation_request(
            actor=consultant, patient=child, kind="mri_brain", requested_on=days_ago(day)
        )
        services.relapse_record(actor=consultant, patient=child, onset_date=days_ago(day), severity="mild")
    start_course(consultant, child)
    services.track_change_stage(actor=consultant, patient=child, specialty="oncology", to_stage="referred")
    client = api_for(consultant)
    with django_assert_max_num_queries(19):  # child, one per timeline source (16), audit (2)
        response = client.get(url(child, "timeline/"))
    assert response.json()["count"] == 3 * size + 2


def test_schema_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", "/dev/null")
