"""The clinical record of a child's OMS pathway. Workflows live in services; this is shape only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class Specialty(models.TextChoices):
    NEUROLOGY = "neurology", "Neurology"
    ONCOLOGY = "oncology", "Oncology"
    SURGERY = "surgery", "Surgery"
    NURSING = "nursing", "Nursing"
    PSYCHOLOGY = "psychology", "Psychology"
    NEUROPSYCHOLOGY = "neuropsychology", "Neuropsychology"
    THERAPIES = "therapies", "Therapies"


# --- Diagnosis: three of four criteria -------------------------------------------------------


class DiagnosticAssessment(models.Model):
    class OmsStatus(models.TextChoices):
        SUSPECTED = "suspected", "Suspected"
        CONFIRMED = "confirmed", "Confirmed"
        EXCLUDED = "excluded", "Excluded"

    class Aetiology(models.TextChoices):
        NEUROBLASTOMA = "neuroblastoma", "Neuroblastoma-associated"
        POST_INFECTIOUS = "post_infectious", "Post-infectious"
        IDIOPATHIC = "idiopathic", "Idiopathic"
        UNKNOWN = "unknown", "Not yet known"

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="assessment")
    oms_status = models.CharField(max_length=12, choices=OmsStatus.choices, default=OmsStatus.SUSPECTED)
    aetiology = models.CharField(max_length=20, choices=Aetiology.choices, default=Aetiology.UNKNOWN)
    onset_date = models.DateField(null=True, blank=True, help_text="When symptoms began.")
    diagnosis_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(onset_date__isnull=True)
                | Q(diagnosis_date__isnull=True)
                | Q(diagnosis_date__gte=models.F("onset_date")),
                name="diagnosis_not_before_onset",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment for patient {self.patient_id}: {self.get_oms_status_display()}"


class DiagnosticCriterion(models.Model):
    """One of the four consensus criteria, recorded present or absent, when and by whom."""

    class Criterion(models.TextChoices):
        OPSOCLONUS = "opsoclonus", "Opsoclonus or ocular flutter"
        ATAXIA_MYOCLONUS = "ataxia_myoclonus", "Ataxia and/or myoclonus"
        BEHAVIOUR_SLEEP = "behaviour_sleep", "Behavioural change and/or sleep disturbance"
        NEUROBLASTOMA = "neuroblastoma", "Neuroblastoma"

    assessment = models.ForeignKey(DiagnosticAssessment, on_delete=models.CASCADE, related_name="criteria")
    criterion = models.CharField(max_length=20, choices=Criterion.choices)
    present = models.BooleanField()
    observed_on = models.DateField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["criterion"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="criterion_once_per_assessment")
        ]

    def __str__(self) -> str:
        return f"{self.get_criterion_display()}: {'present' if self.present else 'absent'}"


# --- Investigations -----------------------------------------------------------------------


class Investigation(models.Model):
    class Kind(models.TextChoices):
        MRI_BRAIN = "mri_brain", "MRI brain"
        INFECTION_BLOODS = "infection_bloods", "Infection bloods"
        LUMBAR_PUNCTURE = "lumbar_puncture", "Lumbar puncture / CSF"
        CAP_IMAGING = "cap_imaging", "CT or MRI chest, abdomen and pelvis"
        MIBG = "mibg", "MIBG scan"
        URINE_CATECHOLAMINES = "urine_hva_vma", "Urine HVA/VMA"
        ANTIBODY_PANEL = "antibody_panel", "Antibody panel"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        BOOKED = "booked", "Booked"
        DONE = "done", "Done"
        RESULTED = "resulted", "Resulted"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="investigations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(
        max_length=200, blank=True, help_text="What exactly, when the type is Other."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField(default=timezone.localdate)
    booked_for = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    resulted_at = models.DateTimeField(null=True, blank=True)
    result_summary = models.TextField(blank=True)
    abnormal = models.BooleanField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_overdue_at = models.DateTimeField(
        null=True, blank=True, help_text="Set once when an unacknowledged result was escalated."
    )
    cancel_reason = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_on", "-id"]
        indexes = [
            models.Index(fields=["patient", "status"]),
            models.Index(
                fields=["resulted_at"],
                name="investigation_unacknowledged",
                condition=Q(status="resulted", acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.OTHER and self.description:
            return self.description
        return self.get_kind_display()


# --- Tumour ---------------------------------------------------------------------------------


class Tumour(models.Model):
    class InrgStage(models.TextChoices):
        L1 = "L1", "L1: localised, no image-defined risk factors"
        L2 = "L2", "L2: locoregional, with image-defined risk factors"
        M = "M", "M: distant metastases"
        MS = "MS", "MS: under 18 months, metastases confined to skin, liver and/or marrow"

    class OncologyStatus(models.TextChoices):
        STAGING = "staging", "Staging"
        AWAITING_SURGERY = "awaiting_surgery", "Awaiting surgery"
        POST_SURGERY_MONITORING = "post_surgery_monitoring", "Post-surgery monitoring"
        DISCHARGED = "discharged", "Discharged from oncology"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="tumours")
    site = models.CharField(max_length=150)
    inrg_stage = models.CharField("INRG stage", max_length=2, choices=InrgStage.choices, blank=True)
    detected_on = models.DateField()
    resected_on = models.DateField(null=True, blank=True)
    surgical_outcome = models.CharField(max_length=300, blank=True)
    oncology_status = models.CharField(
        max_length=30, choices=OncologyStatus.choices, default=OncologyStatus.STAGING
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-detected_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resected_on__isnull=True) | Q(resected_on__gte=models.F("detected_on")),
                name="resection_not_before_detection",
            )
        ]

    def __str__(self) -> str:
        return f"Tumour ({self.site}, {self.inrg_stage or 'unstaged'})"


# --- Severity scales (data, managed by clinic administrators) --------------------------------


class SeverityScale(models.Model):
    """A rating scale version. Once any score uses it, it never changes: an edit makes a new version."""

    name = models.CharField(max_length=150)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    is_demo = models.BooleanField(
        default=False, help_text="Demo configuration, not a validated clinical scale."
    )
    is_active = models.BooleanField(default=True, help_text="Offered when recording new scores.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="scale_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}{' (demo configuration)' if self.is_demo else ''}"


class ScaleItem(models.Model):
    scale = models.ForeignKey(SeverityScale, on_delete=models.PROTECT, related_name="items")
    code = models.SlugField(max_length=50)
    label = models.CharField(max_length=200)
    minimum = models.IntegerField(default=0)
    maximum = models.IntegerField(default=3)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "code"], name="scale_item_code_unique"),
            models.CheckConstraint(
                condition=Q(maximum__gt=models.F("minimum")), name="scale_item_range_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.minimum}–{self.maximum})"


class SeverityScore(models.Model):
    """One rating of a child at a review, against an exact scale version. The total is derived."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="severity_scores")
    scale = models.ForeignKey(SeverityScale, on_delete=models.PROTECT, related_name="scores")
    assessed_on = models.DateField()
    assessor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessed_on", "id"]
        indexes = [models.Index(fields=["patient", "assessed_on"])]

    def __str__(self) -> str:
        return f"{self.scale} score for patient {self.patient_id} on {self.assessed_on}"


class SeverityScoreValue(models.Model):
    score = models.ForeignKey(SeverityScore, on_delete=models.CASCADE, related_name="values")
    item = models.ForeignKey(ScaleItem, on_delete=models.PROTECT, related_name="+")
    value = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["score", "item"], name="score_value_once_per_item")]

    def __str__(self) -> str:
        return f"{self.item.code}={self.value}"


# --- Treatment courses and relapses ----------------------------------------------------------


class TreatmentCourse(models.Model):
    """A course of treatment. The software records courses; it never calculates doses."""

    class Agent(models.TextChoices):
        DEXAMETHASONE_PULSES = "dexamethasone_pulses", "Dexamethasone pulses"
        METHYLPREDNISOLONE = "methylprednisolone", "Methylprednisolone"
        PREDNISOLONE = "prednisolone", "Prednisolone"
        ACTH = "acth", "ACTH"
        IVIG = "ivig", "IVIG"
        RITUXIMAB = "rituximab", "Rituximab"
        CYCLOPHOSPHAMIDE = "cyclophosphamide", "Cyclophosphamide"
        CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
        RADIOTHERAPY = "radiotherapy", "Radiotherapy"
        SURGERY = "surgery", "Surgery"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        WEANING = "weaning", "Weaning"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatment_courses")
    agent = models.CharField(max_length=30, choices=Agent.choices)
    agent_other = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    start_date = models.DateField()
    planned_end_date = models.DateField(null=True, blank=True)
    wean_started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    regimen_notes = models.TextField(
        blank=True, help_text="Free text, for example '12 pulses at 4-weekly intervals'."
    )
    stop_reason = models.CharField(max_length=300, blank=True)
    prescriber = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["patient", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__isnull=True) | Q(planned_end_date__gte=models.F("start_date")),
                name="course_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="stopped") | ~Q(stop_reason=""), name="course_stop_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} from {self.start_date} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        if self.agent == self.Agent.OTHER and self.agent_other:
            return self.agent_other
        return self.get_agent_display()


class CourseEvent(models.Model):
    """A status change of a treatment course (who, when, from, to, note)."""

    course = models.ForeignKey(TreatmentCourse, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=TreatmentCourse.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=TreatmentCourse.Status.choices)
    on_date = models.DateField()
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.course_id}: {self.from_status or '-'} -> {self.to_status}"


class Relapse(models.Model):
    class Trigger(models.TextChoices):
        WEANING = "weaning", "Treatment weaning or withdrawal"
        ILLNESS = "illness", "Viral or febrile illness"
        IMMUNISATION = "immunisation", "Immunisation"
        UNKNOWN = "unknown", "Unknown"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="relapses")
    onset_date = models.DateField()
    trigger = models.CharField(max_length=15, choices=Trigger.choices, default=Trigger.UNKNOWN)
    trigger_detail = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    response = models.TextField(
        blank=True, help_text="What was done, for example 'restarted dexamethasone pulses'."
    )
    response_course = models.ForeignKey(
        TreatmentCourse, on_delete=models.SET_NULL, null=True, blank=True, related_name="relapses_treated"
    )
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["onset_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("onset_date")),
                name="relapse_resolved_after_onset",
            )
        ]

    def __str__(self) -> str:
        return f"Relapse from {self.onset_date} ({self.get_severity_display()})"


# --- Specialty tracks -----------------------------------------------------------------------


class SpecialtyTrack(models.Model):
    class Stage(models.TextChoices):
        NOT_INVOLVED = "not_involved", "Not involved"
        REFERRED = "referred", "Referred"
        ASSESSING = "assessing", "Assessing"
        TREATING = "treating", "Treating"
        MONITORING = "monitoring", "Monitoring"
        DISCHARGED = "discharged", "Discharged"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="tracks")
    specialty = models.CharField(max_length=20, choices=Specialty.choices)
    stage = models.CharField(max_length=15, choices=Stage.choices, default=Stage.NOT_INVOLVED)
    stage_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["specialty"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "specialty"], name="one_track_per_specialty")
        ]

    def __str__(self) -> str:
        return f"{self.get_specialty_display()}: {self.get_stage_display()}"


class TrackEvent(models.Model):
    track = models.ForeignKey(SpecialtyTrack, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(max_length=15, choices=SpecialtyTrack.Stage.choices)
    to_stage = models.CharField(max_length=15, choices=SpecialtyTrack.Stage.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.track}: {self.from_stage} -> {self.to_stage}"


# --- Symptoms returning: a family's report from the portal --------------------------------------


class SymptomReport(models.Model):
    """A family's structured "symptoms are coming back" report: a possible relapse for the nurse to review."""

    class Amount(models.TextChoices):
        NO = "no", "No"
        A_LITTLE = "a_little", "A little"
        A_LOT = "a_lot", "A lot"

    class YesNo(models.TextChoices):
        NO = "no", "No"
        YES = "yes", "Yes"

    # The questions the family answers, in the order the form and the staff pages show them.
    SYMPTOMS = ("unsteady", "jerky_movements", "eye_movements", "sleep", "behaviour", "speech")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="symptom_reports")
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    unsteady = models.CharField("Unsteady walking or balance", max_length=10, choices=Amount.choices)
    jerky_movements = models.CharField("Jerky movements", max_length=10, choices=Amount.choices)
    eye_movements = models.CharField("Unusual eye movements", max_length=10, choices=Amount.choices)
    sleep = models.CharField("Sleep problems", max_length=10, choices=Amount.choices)
    behaviour = models.CharField("Behaviour or irritability", max_length=10, choices=Amount.choices)
    speech = models.CharField("Speech changes", max_length=10, choices=Amount.choices)
    recent_illness = models.CharField("Recent illness or fever", max_length=3, choices=YesNo.choices)
    free_text = models.TextField("In the family's words", blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["patient", "reviewed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | Q(reviewed_by__isnull=False),
                name="symptom_report_reviewed_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"Symptom report for patient {self.patient_id} at {self.submitted_at:%Y-%m-%d %H:%M}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None

    def answers(self) -> list[tuple[str, str]]:
        """(question, answer) for each symptom and the illness question, for staff pages and the task."""
        return [
            (
                str(getattr(self._meta.get_field(name), "verbose_name", name)),
                getattr(self, f"get_{name}_display")(),
            )
            for name in (*self.SYMPTOMS, "recent_illness")
        ]

    def summary(self) -> str:
        """The symptoms reported, briefly: "unsteady walking or balance (a lot), sleep problems (a little)"."""
        present = [
            f"{question.lower()} ({answer.lower()})"
            for question, answer in self.answers()[: len(self.SYMPTOMS)]
            if answer != self.Amount.NO.label
        ]
        if self.recent_illness == self.YesNo.YES:
            present.append("recent illness or fever")
        return ", ".join(present) or "no listed symptoms"
