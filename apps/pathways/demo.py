"""Demo pathways: neuroblastoma through resection, pulses and ACTH weans, relapses, scores over
two years, and one child in whom OMS was excluded. The scale is a demo configuration.

The safety guards (docs/safety/hazard-log.md) each show at least once: a demo surveillance policy
with scans requested and due, a partial score for a young child, a step-up course with its 3-month
response review coming up, and family-access reviews for the older children."""

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.patients.models import Patient
from carecoord import demo

from . import services
from .models import (
    DiagnosticAssessment,
    Investigation,
    Relapse,
    SeverityScale,
    SeverityScore,
    SpecialtyTrack,
    SurveillancePolicy,
    TreatmentCourse,
    Tumour,
)
from .services.proxy_reviews import proxy_access_review_daily
from .services.response_review import response_reviews_open
from .services.surveillance import surveillance_request_due

Role = StaffProfile.Role
Stage = SpecialtyTrack.Stage
Agent = TreatmentCourse.Agent
DEMO_SCALE = "OMS severity scale (demo configuration)"
DEMO_ITEMS = [
    services.ItemSpec("Stance", 0, 3),
    services.ItemSpec("Gait", 0, 3),
    services.ItemSpec("Arm and hand function", 0, 3),
    services.ItemSpec("Opsoclonus", 0, 3),
    services.ItemSpec("Mood and behaviour", 0, 3),
    services.ItemSpec("Speech", 0, 3),
]


def _scale() -> SeverityScale:
    scale = SeverityScale.objects.filter(name=DEMO_SCALE).order_by("-version").first()
    return scale or services.scale_create(
        actor=None,
        name=DEMO_SCALE,
        items=DEMO_ITEMS,
        description="Six items scored 0-3, higher is worse. A demo configuration, not a validated clinical scale.",
        is_demo=True,
    )


def _scores(
    rng: random.Random,
    nurse: User,
    patient: Patient,
    scale: SeverityScale,
    start: datetime.date,
    relapses: list[datetime.date],
) -> None:
    """Scores every 6-10 weeks: high at diagnosis, improving, rising again around each relapse."""
    today = timezone.localdate()
    level, day = rng.uniform(13, 16), start
    codes = [item.code for item in scale.items.all()]
    while day < today:
        bump = any(0 <= (day - r).days < 50 for r in relapses)
        level = min(17.0, level + rng.uniform(3, 5)) if bump else max(1.0, level * rng.uniform(0.72, 0.9))
        remaining, values = round(level), {}
        for code in codes:
            values[code] = min(3, remaining, rng.choice([2, 3, 3]))
            remaining -= values[code]
        services.score_record(actor=nurse, patient=patient, scale=scale, assessed_on=day, values=values)
        day += datetime.timedelta(days=rng.randint(42, 70))


@dataclass
class _Child:
    """One demo child being seeded: who acts, the random source, and the dates of their story."""

    index: int
    patient: Patient
    staff: dict[str, User]
    rng: random.Random
    onset: datetime.date = datetime.date.min
    diagnosed: datetime.date = datetime.date.min

    @property
    def neuro(self) -> User:
        return self.staff[Role.CONSULTANT]

    @property
    def onco(self) -> User:
        return self.staff[f"{Role.CONSULTANT}2"]

    def move(self, actor: User, specialty: str, stage: str, day: datetime.date, note: str = "") -> None:
        """Move a track on ``day`` (at 10:00, never later than yesterday)."""
        day = min(day, timezone.localdate() - DAY)
        services.track_change_stage(
            actor=actor,
            patient=self.patient,
            specialty=specialty,
            to_stage=stage,
            note=note,
            effective_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC),
        )


DAY = datetime.timedelta(days=1)


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _assess(child: _Child) -> Investigation:
    """Referral to neurology and nursing, the first three criteria, and the MRI request."""
    today = timezone.localdate()
    neuro, nurse, onset = child.neuro, child.staff[Role.NURSE_SPECIALIST], child.onset
    child.move(neuro, "neurology", Stage.REFERRED, onset + _days(2))
    child.move(nurse, "nursing", Stage.REFERRED, onset + _days(2))
    child.move(neuro, "neurology", Stage.ASSESSING, onset + _days(4))
    if child.patient.named_nurse_id:  # a named nurse has taken the child on: nursing is past "Referred"
        child.move(nurse, "nursing", Stage.ASSESSING, onset + _days(4))
    for criterion, present in [
        ("ataxia_myoclonus", True),
        ("behaviour_sleep", True),
        ("opsoclonus", child.index != 29),
    ]:
        services.assessment_record_criterion(
            actor=neuro,
            patient=child.patient,
            criterion=criterion,
            present=present,
            observed_on=min(child.diagnosed, today),
        )
    return services.investigation_request(
        actor=neuro,
        patient=child.patient,
        kind=Investigation.Kind.MRI_BRAIN,
        requested_on=min(onset + _days(3), today),
    )


def _newly_referred(child: _Child) -> None:
    """Suspected with the work-up under way, or (child 29) OMS excluded and discharged."""
    if child.index != 29:
        services.investigation_request(actor=child.neuro, patient=child.patient, kind=Investigation.Kind.MIBG)
        return
    services.assessment_update(
        actor=child.neuro,
        patient=child.patient,
        oms_status=DiagnosticAssessment.OmsStatus.EXCLUDED,
        onset_date=child.onset,
    )
    child.move(
        child.neuro,
        "neurology",
        Stage.DISCHARGED,
        child.onset + _days(9),
        "Acute cerebellar ataxia; OMS excluded",
    )


def _confirm(child: _Child, mri: Investigation, tumour: bool) -> None:
    """The confirmed diagnosis, the MRI and tumour-search results, and the fourth criterion."""
    neuro, patient, onset = child.neuro, child.patient, child.onset
    services.assessment_update(
        actor=neuro,
        patient=patient,
        oms_status=DiagnosticAssessment.OmsStatus.CONFIRMED,
        aetiology="neuroblastoma" if tumour else child.rng.choice(["post_infectious", "idiopathic"]),
        onset_date=onset,
        diagnosis_date=child.diagnosed,
    )
    services.investigation_record_result(
        actor=neuro,
        investigation=mri,
        result_summary="Normal brain MRI.",
        abnormal=False,
        done_on=onset + _days(5),
    )
    services.investigation_acknowledge(actor=neuro, investigation=mri)
    cap = services.investigation_request(
        actor=neuro, patient=patient, kind=Investigation.Kind.CAP_IMAGING, requested_on=onset + _days(6)
    )
    services.investigation_record_result(
        actor=neuro,
        investigation=cap,
        abnormal=tumour,
        done_on=onset + _days(12),
        result_summary="Small left adrenal mass, likely neuroblastoma." if tumour else "No mass seen.",
    )
    if child.index not in (1, 3):  # two results still wait for acknowledgement
        services.investigation_acknowledge(actor=neuro, investigation=cap)
    # Neuroblastoma absent before MIBG and urine results: the guard asks why and keeps the answer.
    services.assessment_record_criterion(
        actor=neuro,
        patient=patient,
        criterion="neuroblastoma",
        present=tumour,
        observed_on=max(child.diagnosed, onset + _days(12)),
        incomplete_search_reason="" if tumour else "CT/MRI chest, abdomen and pelvis clear (demo record)",
    )
    child.move(neuro, "neurology", Stage.TREATING, child.diagnosed)
    if child.patient.named_nurse_id:
        child.move(child.staff[Role.NURSE_SPECIALIST], "nursing", Stage.TREATING, child.diagnosed)


def _tumour(child: _Child) -> None:
    """Oncology staging and, for all but child 6, resection and monitoring."""
    onco, surgeon, onset = child.onco, child.staff[Role.SURGEON], child.onset
    child.move(onco, "oncology", Stage.REFERRED, onset + _days(12))
    child.move(onco, "oncology", Stage.ASSESSING, onset + _days(14))
    resected = child.diagnosed + _days(30) if child.index != 6 else None
    services.tumour_record(
        actor=onco,
        patient=child.patient,
        site="Left adrenal",
        inrg_stage=child.rng.choice(["L1", "L1", "L2"]),
        detected_on=onset + _days(12),
        resected_on=resected,
        surgical_outcome="Complete resection" if resected else "",
        oncology_status=Tumour.OncologyStatus.POST_SURGERY_MONITORING
        if resected
        else Tumour.OncologyStatus.AWAITING_SURGERY,
    )
    child.move(surgeon, "surgery", Stage.REFERRED, onset + _days(16))
    if resected:
        child.move(surgeon, "surgery", Stage.ASSESSING, onset + _days(20))
        child.move(surgeon, "surgery", Stage.DISCHARGED, resected + _days(10), "Resected")
        child.move(onco, "oncology", Stage.MONITORING, resected + _days(10))


def _immunotherapy(child: _Child, discharged: bool) -> TreatmentCourse:
    """ACTH with a long wean, or dexamethasone pulses; weaning started where it is due."""
    start = child.diagnosed + _days(3)
    agent = Agent.ACTH if child.index in (2, 8, 10, 11) else Agent.DEXAMETHASONE_PULSES
    course = services.course_create(
        actor=child.neuro,
        patient=child.patient,
        agent=agent,
        start_date=start,
        planned_end_date=start + _days(336),
        regimen_notes="ACTH, long wean planned over about a year"
        if agent == Agent.ACTH
        else "12 pulses at 4-weekly intervals",
    )
    if agent == Agent.ACTH or discharged:
        wean = start + _days(child.rng.randint(120, 200))
        if wean < timezone.localdate():
            services.course_transition(actor=child.neuro, course=course, to_status="weaning", on_date=wean)
    return course


def _relapse(child: _Child, course: TreatmentCourse) -> list[datetime.date]:
    """For children 0, 2, 5 and 8: a relapse on weaning or after a virus, treated with IVIG."""
    if child.index not in (0, 2, 5, 8):
        return []
    onset = course.start_date + _days(child.rng.randint(220, 300))
    if onset >= timezone.localdate() - _days(20):
        return []
    nurse = child.staff[Role.NURSE_SPECIALIST]
    ivig = services.course_create(
        actor=child.neuro,
        patient=child.patient,
        agent=Agent.IVIG,
        start_date=onset + _days(4),
        regimen_notes="IVIG every 4 weeks for 6 months",
    )
    relapse = services.relapse_record(
        actor=nurse,
        patient=child.patient,
        onset_date=onset,
        severity=child.rng.choice(["mild", "moderate"]),
        trigger=Relapse.Trigger.WEANING if course.agent == Agent.ACTH else Relapse.Trigger.ILLNESS,
        response="Restarted treatment; IVIG added",
        response_course=ivig,
    )
    if child.index in (0, 2) and onset + _days(60) < timezone.localdate():
        services.relapse_update(actor=nurse, relapse=relapse, resolved_on=onset + _days(60))
    return [onset]


def _follow_up(child: _Child, course: TreatmentCourse, discharged: bool) -> None:
    """Discharged children complete treatment and leave neurology; some are referred for neuropsychology."""
    if discharged:
        ended = min(course.start_date + _days(500), timezone.localdate())
        services.course_transition(actor=child.neuro, course=course, to_status="completed", on_date=ended)
        child.move(child.neuro, "neurology", Stage.MONITORING, ended)
        child.move(child.neuro, "neurology", Stage.DISCHARGED, ended + _days(180))
        if child.patient.named_nurse_id:
            nurse = child.staff[Role.NURSE_SPECIALIST]
            child.move(nurse, "nursing", Stage.MONITORING, ended)
            child.move(nurse, "nursing", Stage.DISCHARGED, ended + _days(180))
    elif child.index % 4 == 1:
        neuropsychologist = child.staff[Role.NEUROPSYCHOLOGIST]
        child.move(neuropsychologist, "neuropsychology", Stage.REFERRED, child.diagnosed + _days(90))


def _seed_child(child: _Child, scale: SeverityScale) -> None:
    today, rng, i = timezone.localdate(), child.rng, child.index
    child.onset = today - _days(rng.randint(300, 760) if i < 22 else rng.randint(900, 1400))
    if i >= 27:
        child.onset = today - _days(rng.randint(10, 40))
    child.diagnosed = child.onset + _days(rng.randint(14, 45))
    mri = _assess(child)
    if i >= 27:  # newly referred
        _newly_referred(child)
        return
    tumour = i in (0, 2, 4, 6)
    _confirm(child, mri, tumour)
    if tumour:
        _tumour(child)
    discharged = i in (22, 23, 24, 25)
    course = _immunotherapy(child, discharged)
    relapse_days = _relapse(child, course)
    _follow_up(child, course, discharged)
    _scores(rng, child.staff[Role.NURSE_SPECIALIST], child.patient, scale, child.diagnosed, relapse_days)


def seed(staff: dict[str, User], patients: list[Patient]) -> None:
    rng = random.Random(48)
    scale = _scale()
    for i, patient in enumerate(patients):
        if SpecialtyTrack.objects.filter(patient=patient).exists():
            continue  # already seeded
        _seed_child(_Child(i, patient, staff, rng), scale)
    seed_safety_guards(staff, patients)


demo.register("pathways", seed, uses=["accounts", "patients"])


DEMO_SURVEILLANCE = "Neuroblastoma surveillance after resection (demo configuration)"


def _surveillance_policy() -> SurveillancePolicy:
    """A demo schedule only: the oncology team sets the real one in the admin."""
    policy, created = SurveillancePolicy.objects.get_or_create(
        name=DEMO_SURVEILLANCE,
        defaults={
            "description": "Demo values, not clinical advice: urine HVA/VMA every 3 months and "
            "CT/MRI chest, abdomen and pelvis every 6 months, for 2 and 3 years after resection.",
            "lead_time_days": 21,
            "is_demo": True,
        },
    )
    if created:
        policy.steps.create(kind=Investigation.Kind.URINE_CATECHOLAMINES, every_months=3, until_months=24)
        policy.steps.create(kind=Investigation.Kind.CAP_IMAGING, every_months=6, until_months=36)
    return policy


def seed_safety_guards(staff: dict[str, User], patients: list[Patient]) -> None:
    """Show each guard once. Safe to run again: each step checks first, and the jobs are idempotent."""
    today = timezone.localdate()
    nurse, neuro = staff[Role.NURSE_SPECIALIST], staff[Role.CONSULTANT]
    _surveillance_policy()
    scale = _scale()
    # A partial score: the youngest scored child cannot be assessed for speech yet.
    scored = [p for p in patients if SeverityScore.objects.filter(patient=p).exists()]
    youngest = max(scored, key=lambda p: p.date_of_birth, default=None)
    if (
        youngest is not None
        and not SeverityScore.objects.filter(patient=youngest, values__value__isnull=True).exists()
    ):
        codes = [item.code for item in scale.items.all()]
        services.score_record(
            actor=nurse,
            patient=youngest,
            scale=scale,
            assessed_on=today - datetime.timedelta(days=2),
            values={code: 1 for code in codes if code != "speech"},
            not_assessable={"speech": "age"},
            note="Not yet talking: speech not assessable (demo)",
        )
    # A step-up course started 11 weeks ago: its 3-month response review is coming up.
    stepped = patients[5]
    if not TreatmentCourse.objects.filter(patient=stepped, agent=Agent.RITUXIMAB).exists():
        services.course_create(
            actor=neuro,
            patient=stepped,
            agent=Agent.RITUXIMAB,
            start_date=today - datetime.timedelta(weeks=11),
            regimen_notes="Step-up after an inadequate response (demo record)",
        )
    surveillance_request_due()
    response_reviews_open()
    proxy_access_review_daily()
