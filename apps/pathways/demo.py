"""Demo pathways: neuroblastoma through resection, pulses and ACTH weans, relapses, scores over
two years, and one child in whom OMS was excluded. The scale is a demo configuration."""

import datetime
import random

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
    SpecialtyTrack,
    TreatmentCourse,
    Tumour,
)

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


def seed(staff: dict[str, User], patients: list[Patient]) -> None:
    rng = random.Random(48)
    scale = _scale()
    neuro, onco = staff[Role.CONSULTANT], staff[f"{Role.CONSULTANT}2"]
    surgeon, nurse = staff[Role.SURGEON], staff[Role.NURSE_SPECIALIST]
    today = timezone.localdate()
    days = datetime.timedelta
    for i, patient in enumerate(patients):
        if SpecialtyTrack.objects.filter(patient=patient).exists():
            continue  # already seeded

        def move(
            actor: User,
            specialty: str,
            stage: str,
            day: datetime.date,
            note: str = "",
            patient: Patient = patient,
        ) -> None:
            when = datetime.datetime.combine(
                min(day, today - days(1)), datetime.time(10), tzinfo=datetime.UTC
            )
            services.track_change_stage(
                actor=actor,
                patient=patient,
                specialty=specialty,
                to_stage=stage,
                note=note,
                effective_at=when,
            )

        onset = today - days(rng.randint(300, 760) if i < 22 else rng.randint(900, 1400))
        if i >= 27:
            onset = today - days(rng.randint(10, 40))
        diagnosed = onset + days(rng.randint(14, 45))
        move(neuro, "neurology", Stage.REFERRED, onset + days(2))
        move(nurse, "nursing", Stage.REFERRED, onset + days(2))
        move(neuro, "neurology", Stage.ASSESSING, onset + days(4))
        for criterion, present in [
            ("ataxia_myoclonus", True),
            ("behaviour_sleep", True),
            ("opsoclonus", i != 29),
        ]:
            services.assessment_record_criterion(
                actor=neuro,
                patient=patient,
                criterion=criterion,
                present=present,
                observed_on=min(diagnosed, today),
            )
        mri = services.investigation_request(
            actor=neuro,
            patient=patient,
            kind=Investigation.Kind.MRI_BRAIN,
            requested_on=min(onset + days(3), today),
        )
        if i >= 27:  # newly referred: suspected with work-up under way, or OMS excluded
            if i == 29:
                services.assessment_update(
                    actor=neuro,
                    patient=patient,
                    oms_status=DiagnosticAssessment.OmsStatus.EXCLUDED,
                    onset_date=onset,
                )
                move(
                    neuro,
                    "neurology",
                    Stage.DISCHARGED,
                    onset + days(9),
                    "Acute cerebellar ataxia; OMS excluded",
                )
            else:
                services.investigation_request(actor=neuro, patient=patient, kind=Investigation.Kind.MIBG)
            continue
        tumour = i in (0, 2, 4, 6)
        services.assessment_record_criterion(
            actor=neuro, patient=patient, criterion="neuroblastoma", present=tumour, observed_on=diagnosed
        )
        services.assessment_update(
            actor=neuro,
            patient=patient,
            oms_status=DiagnosticAssessment.OmsStatus.CONFIRMED,
            aetiology="neuroblastoma" if tumour else rng.choice(["post_infectious", "idiopathic"]),
            onset_date=onset,
            diagnosis_date=diagnosed,
        )
        services.investigation_record_result(
            actor=neuro,
            investigation=mri,
            result_summary="Normal brain MRI.",
            abnormal=False,
            done_on=onset + days(5),
        )
        services.investigation_acknowledge(actor=neuro, investigation=mri)
        cap = services.investigation_request(
            actor=neuro, patient=patient, kind=Investigation.Kind.CAP_IMAGING, requested_on=onset + days(6)
        )
        services.investigation_record_result(
            actor=neuro,
            investigation=cap,
            abnormal=tumour,
            done_on=onset + days(12),
            result_summary="Small left adrenal mass, likely neuroblastoma." if tumour else "No mass seen.",
        )
        if i not in (1, 3):  # two results still wait for acknowledgement
            services.investigation_acknowledge(actor=neuro, investigation=cap)
        move(neuro, "neurology", Stage.TREATING, diagnosed)
        if tumour:
            move(onco, "oncology", Stage.REFERRED, onset + days(12))
            move(onco, "oncology", Stage.ASSESSING, onset + days(14))
            resected = diagnosed + days(30) if i != 6 else None
            services.tumour_record(
                actor=onco,
                patient=patient,
                site="Left adrenal",
                inrg_stage=rng.choice(["L1", "L1", "L2"]),
                detected_on=onset + days(12),
                resected_on=resected,
                surgical_outcome="Complete resection" if resected else "",
                oncology_status=Tumour.OncologyStatus.POST_SURGERY_MONITORING
                if resected
                else Tumour.OncologyStatus.AWAITING_SURGERY,
            )
            move(surgeon, "surgery", Stage.REFERRED, onset + days(16))
            if resected:
                move(surgeon, "surgery", Stage.ASSESSING, onset + days(20))
                move(surgeon, "surgery", Stage.DISCHARGED, resected + days(10), "Resected")
                move(onco, "oncology", Stage.MONITORING, resected + days(10))
        # Immunotherapy
        start = diagnosed + days(3)
        agent = Agent.ACTH if i in (2, 8, 10, 11) else Agent.DEXAMETHASONE_PULSES
        notes = (
            "ACTH, long wean planned over about a year"
            if agent == Agent.ACTH
            else "12 pulses at 4-weekly intervals"
        )
        course = services.course_create(
            actor=neuro,
            patient=patient,
            agent=agent,
            start_date=start,
            planned_end_date=start + days(336),
            regimen_notes=notes,
        )
        relapse_days: list[datetime.date] = []
        discharged = i in (22, 23, 24, 25)
        if agent == Agent.ACTH or discharged:
            wean = start + days(rng.randint(120, 200))
            if wean < today:
                services.course_transition(actor=neuro, course=course, to_status="weaning", on_date=wean)
        if i in (0, 2, 5, 8):  # relapses, often on weaning or after a virus
            onset_r = start + days(rng.randint(220, 300))
            if onset_r < today - days(20):
                relapse_days.append(onset_r)
                ivig = services.course_create(
                    actor=neuro,
                    patient=patient,
                    agent=Agent.IVIG,
                    start_date=onset_r + days(4),
                    regimen_notes="IVIG every 4 weeks for 6 months",
                )
                relapse = services.relapse_record(
                    actor=nurse,
                    patient=patient,
                    onset_date=onset_r,
                    severity=rng.choice(["mild", "moderate"]),
                    trigger=Relapse.Trigger.WEANING if agent == Agent.ACTH else Relapse.Trigger.ILLNESS,
                    response="Restarted treatment; IVIG added",
                    response_course=ivig,
                )
                if i in (0, 2) and onset_r + days(60) < today:
                    services.relapse_update(actor=nurse, relapse=relapse, resolved_on=onset_r + days(60))
        if discharged:
            ended = min(start + days(500), today)
            services.course_transition(actor=neuro, course=course, to_status="completed", on_date=ended)
            move(neuro, "neurology", Stage.MONITORING, ended)
            move(neuro, "neurology", Stage.DISCHARGED, ended + days(180))
        elif i % 4 == 1:
            move(staff[Role.NEUROPSYCHOLOGIST], "neuropsychology", Stage.REFERRED, diagnosed + days(90))
        _scores(rng, nurse, patient, scale, diagnosed, relapse_days)


demo.register("pathways", seed, uses=["accounts", "patients"])
