"""Questionnaires for families, kept as data (shaped like FHIR Questionnaire / QuestionnaireResponse).

A ``Questionnaire`` is the instrument a clinic uses (its title, its change threshold); each
``QuestionnaireVersion`` holds the items and their scores. Once any response uses a version, it never
changes: a revision makes a new version (services and the admin enforce it). Assignments say which
child should answer which version by when, and why (a member of staff, or a policy row).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class Questionnaire(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=150, help_text="Shown to families and staff.")
    description = models.TextField(blank=True, help_text="Shown to families above the questions.")
    is_demo = models.BooleanField(default=False, help_text="Demo configuration, not a validated instrument.")
    is_active = models.BooleanField(default=True, help_text="Offered for new assignments.")
    change_threshold = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="A total this many points or more above the child's previous response counts as worse "
        "and gives the named nurse a task. Empty: no task.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class QuestionnaireVersion(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True, help_text="The version new assignments use.")
    max_score = models.PositiveIntegerField(default=0, help_text="Derived: the sum of the items' maxima.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["questionnaire", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "version"], name="questionnaire_version_unique"),
            models.UniqueConstraint(
                fields=["questionnaire"], condition=Q(is_current=True), name="questionnaire_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.title} v{self.version}"


class QuestionnaireItem(models.Model):
    class Type(models.TextChoices):
        CHOICE = "choice", "Choice"
        INTEGER = "integer", "Whole number"
        BOOLEAN = "boolean", "Yes or no"
        TEXT = "text", "Text (not scored)"

    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="items")
    link_id = models.SlugField(max_length=50, help_text="FHIR linkId: stable within a version.")
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    type = models.CharField(max_length=10, choices=Type.choices)
    required = models.BooleanField(default=True)
    min_value = models.IntegerField(null=True, blank=True, help_text="Whole numbers: the lowest answer.")
    max_value = models.IntegerField(null=True, blank=True, help_text="Whole numbers: the highest answer.")
    reverse_scored = models.BooleanField(
        default=False,
        help_text="A higher answer means better: its score is turned round (max + min - score).",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "link_id"], name="questionnaire_item_link_unique"),
            models.CheckConstraint(
                condition=~Q(type="integer")
                | Q(min_value__isnull=False, max_value__gt=models.F("min_value")),
                name="questionnaire_integer_item_has_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.link_id}: {self.text}"


class AnswerOption(models.Model):
    item = models.ForeignKey(QuestionnaireItem, on_delete=models.PROTECT, related_name="options")
    code = models.SlugField(max_length=40)
    display = models.CharField(max_length=150)
    score = models.IntegerField(default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="answer_option_code_unique")]

    def __str__(self) -> str:
        return f"{self.display} ({self.score})"


class AssignmentPolicy(models.Model):
    """When a questionnaire is given to children without anyone asking: clinic policy, kept as data."""

    class Kind(models.TextChoices):
        BEFORE_CLINIC = "before_clinic", "Before each clinic appointment"
        MONTHLY_FOLLOW_UP = "monthly_follow_up", "Monthly in follow-up (neurology track monitoring)"
        WEEKLY_IN_WATCH = "weekly_in_watch", "Weekly during a watch period"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="policies")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    days_before = models.PositiveSmallIntegerField(
        default=7, help_text="Before a clinic: assign this many days before the appointment."
    )
    days_to_answer = models.PositiveSmallIntegerField(
        default=7, help_text="Monthly and weekly: the answer is due this many days after it is assigned."
    )
    appointment_kind = models.CharField(
        max_length=30,
        default="neurology_clinic",
        blank=True,
        help_text="Before a clinic: which appointments.",
    )
    is_demo = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "assignment policies"

    def __str__(self) -> str:
        return f"{self.questionnaire}: {self.get_kind_display()}"


class Assignment(models.Model):
    """One child asked to answer one questionnaire version by a date. Answered at most once."""

    class Reason(models.TextChoices):
        STAFF = "staff", "Asked by the care team"
        BEFORE_CLINIC = "before_clinic", "Before a clinic appointment"
        MONTHLY_FOLLOW_UP = "monthly_follow_up", "Monthly in follow-up"
        WEEKLY_IN_WATCH = "weekly_in_watch", "Weekly during a watch period"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="questionnaire_assignments")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="assignments")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    due_on = models.DateField()
    source_key = models.CharField(
        max_length=120,
        null=True,
        blank=True,
        unique=True,
        help_text="Idempotency key of a policy's assignment.",
    )
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["patient", "due_on"])]

    def __str__(self) -> str:
        return f"{self.version} for patient {self.patient_id} by {self.due_on}"


class QuestionnaireResponse(models.Model):
    """A family's answers (FHIR QuestionnaireResponse, status completed), scored when submitted."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="response")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="questionnaire_responses")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    authored_at = models.DateTimeField(default=timezone.now)
    total_score = models.IntegerField()
    max_score = models.PositiveIntegerField()
    change = models.IntegerField(
        null=True, blank=True, help_text="Points above (+) or below the previous total."
    )

    class Meta:
        ordering = ["authored_at", "id"]
        indexes = [models.Index(fields=["patient", "authored_at"])]

    def __str__(self) -> str:
        return f"{self.version}: {self.total_score}/{self.max_score}"


class ResponseAnswer(models.Model):
    response = models.ForeignKey(QuestionnaireResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(QuestionnaireItem, on_delete=models.PROTECT, related_name="+")
    link_id = models.SlugField(max_length=50)
    value_code = models.CharField(max_length=40, blank=True)
    value_integer = models.IntegerField(null=True, blank=True)
    value_boolean = models.BooleanField(null=True, blank=True)
    value_text = models.TextField(blank=True)
    score = models.IntegerField(null=True, blank=True, help_text="After reversing; empty for text.")

    class Meta:
        ordering = ["item__position", "id"]
        constraints = [models.UniqueConstraint(fields=["response", "item"], name="response_answer_once")]

    def __str__(self) -> str:
        return f"{self.link_id}={self.display}"

    @property
    def display(self) -> str:
        if self.value_code:
            return self.value_code
        if self.value_integer is not None:
            return str(self.value_integer)
        if self.value_boolean is not None:
            return "Yes" if self.value_boolean else "No"
        return self.value_text
