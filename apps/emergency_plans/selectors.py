"""Reads for emergency plans: what a new version would say (built from the record), the plan's
versions, and the version a family may see. The child always comes from ``visible_patients`` first.

Nothing here writes wording: every sentence of advice is an ``AdviceBlock`` a clinician approved.
A course no block applies to is listed with ``advice == []``, and the page says the team will add
advice; the software never fills the gap.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from apps.accounts.models import StaffProfile, User
from apps.pathways.models import TreatmentCourse
from apps.pathways.services.courses import OPEN_STATUSES
from apps.patients.access import current_care_team
from apps.patients.contact import TeamContact, family_contact
from apps.patients.models import CareTeamMember, Guardian, Patient

from .models import PLACEHOLDER, AdviceBlock, EmergencyPlan, PlanVersion

Role = StaffProfile.Role
Status = PlanVersion.Status


def plan_consultant(patient: Patient) -> User | None:
    """The child's consultant: the lead consultant on the current care team, else the longest-serving."""
    member = (
        CareTeamMember.objects.filter(
            current_care_team(), patient=patient, role=Role.CONSULTANT, user__is_active=True
        )
        .select_related("user")
        .order_by("-is_lead", "start_date", "pk")
        .first()
    )
    return member.user if member else None


def current_blocks() -> list[AdviceBlock]:
    """The highest active version of each block key, in order."""
    latest: dict[str, AdviceBlock] = {}
    for block in AdviceBlock.objects.filter(is_active=True).order_by("key", "-version"):
        latest.setdefault(block.key, block)
    return sorted(latest.values(), key=lambda b: (b.order, b.key))


def _snapshot(block: AdviceBlock) -> dict[str, Any]:
    return {
        "key": block.key,
        "version": block.version,
        "title": block.title,
        "text": block.text,
        "card_text": block.card_text,
        "is_demo": block.is_demo,
        "approved_by": block.approved_by,
        "approved_at": block.approved_at.isoformat(),
    }


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def plan_content(patient: Patient) -> dict[str, Any]:
    """What a version prepared now would say: the open courses with the advice that applies to each,
    the advice for every plan, the key contacts and who to tell. Stored as the version's snapshot."""
    blocks = current_blocks()
    courses = TreatmentCourse.objects.filter(patient=patient, status__in=OPEN_STATUSES).order_by(
        "start_date", "pk"
    )
    consultant = plan_consultant(patient)
    contacts = []
    if patient.named_nurse_id:
        contacts.append({"role": "Named nurse specialist", "name": patient.named_nurse.full_name})  # type: ignore[union-attr]
    if consultant is not None:
        contacts.append({"role": "Consultant", "name": consultant.full_name})
    guardians = (
        Guardian.objects.with_legal_basis()
        .filter(patient=patient, is_active=True)
        .exclude(relationship=Guardian.Relationship.SELF)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    return {
        "child_name": patient.given_name,
        "child_full_name": patient.full_name,
        "date_of_birth": _date(patient.date_of_birth),
        "courses": [
            {
                "agent": course.agent,
                "label": course.label,
                "status": course.status,
                "status_label": course.get_status_display(),
                "start_date": _date(course.start_date),
                "planned_end_date": _date(course.planned_end_date),
                "advice": [
                    _snapshot(b)
                    for b in blocks
                    if b.applies_to == AdviceBlock.Applies.AGENT and course.agent in (b.agents or [])
                ],
            }
            for course in courses
        ],
        "general": [_snapshot(b) for b in blocks if b.applies_to == AdviceBlock.Applies.EVERY_PLAN],
        "contacts": contacts,
        "tell": [
            {"name": g.user.full_name, "relationship": g.get_relationship_display(), "phone": g.user.phone}
            for g in guardians
        ],
    }


def plan_of(patient: Patient) -> EmergencyPlan | None:
    return EmergencyPlan.objects.filter(patient=patient).first()


def versions_of(plan: EmergencyPlan) -> QuerySet[PlanVersion]:
    return plan.versions.select_related("prepared_by", "approved_by").order_by("-number")


def approved_version(patient: Patient) -> PlanVersion | None:
    """The one version a family may see: the approved one (there is at most one)."""
    return (
        PlanVersion.objects.filter(plan__patient=patient, status=Status.APPROVED)
        .select_related("approved_by", "plan")
        .first()
    )


def draft_version(plan: EmergencyPlan) -> PlanVersion | None:
    return versions_of(plan).filter(status=Status.DRAFT).first()


# --- Showing a version -----------------------------------------------------------------------------


def render_text(text: str, values: dict[str, str]) -> str:
    """Fill the known placeholders; anything else stays as written. The result is plain text (the
    templates escape it), so a block cannot inject markup, and no format-string machinery runs."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")


@dataclass(frozen=True)
class Advice:
    title: str
    text: str
    card_text: str
    is_demo: bool
    approved_by: str
    key: str
    version: int


@dataclass(frozen=True)
class Course:
    label: str
    status_label: str
    start_date: datetime.date | None
    planned_end_date: datetime.date | None
    advice: list[Advice]


@dataclass(frozen=True)
class PlanView:
    """A version as a page or a PDF shows it: the snapshot, with placeholders filled from the live team
    contact (numbers are not frozen into old versions)."""

    version: PlanVersion
    child_name: str
    child_full_name: str
    date_of_birth: datetime.date | None
    courses: list[Course]
    general: list[Advice]
    contacts: list[dict[str, str]]
    tell: list[dict[str, str]]
    contact: TeamContact | None
    has_demo_text: bool = field(default=False)

    @property
    def courses_without_advice(self) -> list[Course]:
        return [c for c in self.courses if not c.advice]


def _as_date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def plan_view(version: PlanVersion) -> PlanView:
    content = version.content
    contact = family_contact()
    values = {
        "child_name": content.get("child_name", ""),
        "team_name": contact.team_name if contact else "care team",
        "team_phone": contact.phone if contact and contact.phone else "the number on this plan",
        "team_hours": contact.hours if contact else "",
        "out_of_hours_phone": contact.out_of_hours_phone if contact and contact.out_of_hours_phone else "",
    }

    def advice(raw: dict[str, Any]) -> Advice:
        return Advice(
            title=render_text(raw["title"], values),
            text=render_text(raw["text"], values),
            card_text=render_text(raw.get("card_text", ""), values),
            is_demo=bool(raw.get("is_demo")),
            approved_by=raw.get("approved_by", ""),
            key=raw["key"],
            version=raw["version"],
        )

    courses = [
        Course(
            label=c["label"],
            status_label=c["status_label"],
            start_date=_as_date(c.get("start_date")),
            planned_end_date=_as_date(c.get("planned_end_date")),
            advice=[advice(a) for a in c["advice"]],
        )
        for c in content.get("courses", [])
    ]
    general = [advice(a) for a in content.get("general", [])]
    has_demo = any(a.is_demo for a in general) or any(a.is_demo for c in courses for a in c.advice)
    return PlanView(
        version=version,
        child_name=content.get("child_name", ""),
        child_full_name=content.get("child_full_name", ""),
        date_of_birth=_as_date(content.get("date_of_birth")),
        courses=courses,
        general=general,
        contacts=content.get("contacts", []),
        tell=content.get("tell", []),
        contact=contact,
        has_demo_text=has_demo,
    )
