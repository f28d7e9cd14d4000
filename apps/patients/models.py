import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.models import StaffProfile

from .nhs_number import format_nhs_number


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not known"

    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        ACTIVE = "active", "Active"
        DISCHARGED = "discharged", "Discharged"

    # Optional (a child from abroad may have none yet) but unique when present.
    nhs_number = models.CharField("NHS number", max_length=10, null=True, blank=True)
    hospital_number = models.CharField(max_length=30, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    postcode = models.CharField(max_length=10, blank=True)
    school = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REFERRED)
    named_nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        limit_choices_to={"staff_profile__role": StaffProfile.Role.NURSE_SPECIALIST},
        help_text="The clinical nurse specialist whose caseload this child is on.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=Q(nhs_number__isnull=False),
                name="patient_nhs_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(nhs_number__isnull=True) | Q(nhs_number__regex=r"^[0-9]{10}$"),
                name="patient_nhs_number_ten_digits",
            ),
        ]
        indexes = [
            models.Index(fields=["named_nurse", "status"]),
            models.Index(fields=["family_name", "given_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.hospital_number})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)

    def age_on(self, day: datetime.date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    @property
    def age_display(self) -> str:
        today = timezone.localdate()
        years = self.age_on(today)
        if years >= 2:
            return f"{years} years"
        months = (today.year - self.date_of_birth.year) * 12 + today.month - self.date_of_birth.month
        if today.day < self.date_of_birth.day:
            months -= 1
        return f"{max(months, 0)} months"


def sixteenth_birthday_cutoff(day: datetime.date | None = None) -> datetime.date:
    """Children born on or before this day are 16 or over on ``day`` (29 Feb birthdays count on 1 Mar)."""
    day = day or timezone.localdate()
    try:
        return day.replace(year=day.year - YOUNG_PERSON_CONSENT_AGE)
    except ValueError:  # 29 February: the same day sixteen years ago did not exist
        return day.replace(year=day.year - YOUNG_PERSON_CONSENT_AGE, day=28)


# NHS proxy-access practice: from 16 a young person's own consent is needed for their family's access.
YOUNG_PERSON_CONSENT_AGE = 16


class GuardianQuerySet(models.QuerySet["Guardian"]):
    def with_legal_basis(self, day: datetime.date | None = None) -> "GuardianQuerySet":
        """Links that may give access: parental responsibility, or access authorised by someone with it,
        or the young person themselves; and from 16, only with the young person's recorded consent."""
        basis = Q(has_parental_responsibility=True) | Q(authorised_on__isnull=False)
        consent = Q(patient__date_of_birth__gt=sixteenth_birthday_cutoff(day)) | Q(
            young_person_consent_on__isnull=False
        )
        is_self = Q(relationship=Guardian.Relationship.SELF)
        return self.filter(is_self | (basis & consent))


class Guardian(models.Model):
    """A family user's proxy access to a child. Access ends as soon as it is deactivated.

    Each link has a legal basis: parental responsibility, or access authorised (who, when, why) by
    someone with it, or the young person's own account ("self"). See HAZ-10 in the hazard log.
    """

    class Relationship(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        PARENT = "parent", "Parent"
        GRANDPARENT = "grandparent", "Grandparent"
        FOSTER_CARER = "foster_carer", "Foster carer"
        LEGAL_GUARDIAN = "legal_guardian", "Legal guardian"
        OTHER = "other", "Other"
        SELF = "self", "The young person themselves"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="guardians")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    has_parental_responsibility = models.BooleanField(default=True)
    # Without parental responsibility: access authorised by someone who has it.
    authorised_by_name = models.CharField(
        max_length=150, blank=True, help_text="Who authorised access (a person with parental responsibility)."
    )
    authorised_on = models.DateField(null=True, blank=True)
    authorisation_reason = models.CharField(max_length=300, blank=True)
    authorisation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # From 16: the young person's own consent to this access.
    young_person_consent_on = models.DateField(null=True, blank=True)
    young_person_consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=200, blank=True, help_text="Why access ended.")

    history = HistoricalRecords()
    objects = GuardianQuerySet.as_manager()

    class Meta:
        ordering = ["-is_active", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["patient", "user"], name="guardian_once_per_child")]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_relationship_display()}) for {self.patient.full_name}"

    @property
    def legal_basis(self) -> str:
        """In plain words, for staff pages."""
        if self.relationship == self.Relationship.SELF:
            return "The young person's own account"
        if self.has_parental_responsibility:
            return "Parental responsibility"
        if self.authorised_on:
            return f"Authorised by {self.authorised_by_name} on {self.authorised_on:%d %b %Y}"
        return "No legal basis recorded"


class CareTeamMember(models.Model):
    """A member of staff on a child's care team, for a period."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_team_roles"
    )
    role = models.CharField(max_length=30, choices=StaffProfile.Role.choices)
    is_lead = models.BooleanField(default=False, help_text="The lead clinician for the child.")
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["end_date", "role", "user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="care_team_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "end_date"]),
            # The care-team branch of access.visible_patients: a user's current memberships.
            models.Index(fields=["user", "start_date"], name="care_team_user_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) for {self.patient.full_name}"

    def is_current(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class GuardianInvitation(models.Model):
    """An emailed, single-use link that lets a guardian set a password and reach a child's portal.

    Only a SHA-256 of the token is stored: the link itself exists only in the email.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="guardian_invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    relationship = models.CharField(max_length=20, choices=Guardian.Relationship.choices)
    has_parental_responsibility = models.BooleanField(default=True)
    authorised_by_name = models.CharField(max_length=150, blank=True)
    authorised_on = models.DateField(null=True, blank=True)
    authorisation_reason = models.CharField(max_length=300, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the emailed token.")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "email"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_both_accepted_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.patient.full_name}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
