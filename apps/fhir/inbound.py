"""Inbound referrals as ServiceRequest POST: read the resource into the intake service's arguments,
collecting every problem at once (so one OperationOutcome lists them all and nothing is written).

The resource carries the child as a contained Patient (``subject`` points at it: ``#child``), the
receiving team as ``performer`` (``Organization/<id>``, one of the client's teams), the referrer as
``requester.display``, where it came from as a ``category`` code (gp, local_hospital, other), the
urgency as ``priority`` and the reason as ``reasonCode[0].text``. ``identifier`` makes it idempotent.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from apps.accounts.models import Team
from apps.patients.nhs_number import normalise_nhs_number
from apps.referrals.models import Referral

from .codes import HOSPITAL_NUMBER, NHS_NUMBER
from .mappers.clinical import REFERRAL_PRIORITY
from .models import IntegrationClient

URGENCY = {theirs: ours for ours, theirs in REFERRAL_PRIORITY.items()}
GENDERS = {"male", "female", "other", "unknown"}


@dataclass(frozen=True)
class Inbound:
    identifier_system: str
    identifier_value: str
    details: dict[str, Any]  # the keyword arguments of referral_receive_external (but the actor)


class Problems(Exception):
    """Every problem with the resource, each as (FHIRPath expression, message)."""

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in issues))
        self.issues = issues


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _identifier(resource: dict, problems: list[tuple[str, str]]) -> tuple[str, str]:
    for item in resource.get("identifier") or []:
        if isinstance(item, dict) and _text(item.get("system")) and _text(item.get("value")):
            return _text(item["system"])[:255], _text(item["value"])[:100]
    problems.append(("ServiceRequest.identifier", "Give an identifier (system and value) for this referral."))
    return "", ""


def _child(resource: dict, problems: list[tuple[str, str]]) -> dict[str, Any]:
    reference = _text((resource.get("subject") or {}).get("reference"))
    contained = [r for r in resource.get("contained") or [] if isinstance(r, dict)]
    child = next(
        (r for r in contained if r.get("resourceType") == "Patient" and f"#{r.get('id')}" == reference), None
    )
    if child is None:
        problems.append(("ServiceRequest.subject", "subject must point at a contained Patient (#id)."))
        return {}
    name = next((n for n in child.get("name") or [] if isinstance(n, dict)), {})
    given = " ".join(g for g in name.get("given") or [] if isinstance(g, str)).strip()
    family = _text(name.get("family"))
    if not given or not family:
        problems.append(("Patient.name", "Give the child's given and family name."))
    identifiers = {
        _text(i.get("system")): _text(i.get("value"))
        for i in child.get("identifier") or []
        if isinstance(i, dict)
    }
    unknown = sorted(set(identifiers) - {NHS_NUMBER, HOSPITAL_NUMBER})
    if unknown:
        problems.append(("Patient.identifier", f"Unknown identifier system(s): {', '.join(unknown)}."))
    nhs = identifiers.get(NHS_NUMBER, "")
    if nhs:
        try:
            normalise_nhs_number(nhs)
        except ValidationError as exc:
            problems.append(("Patient.identifier", f"NHS number: {exc.messages[0]}"))
    born = None
    try:
        born = datetime.date.fromisoformat(_text(child.get("birthDate")))
    except ValueError:
        problems.append(("Patient.birthDate", "Give the child's date of birth as YYYY-MM-DD."))
    gender = child.get("gender") or "unknown"
    if gender not in GENDERS:
        problems.append(("Patient.gender", "gender must be male, female, other or unknown."))
    address = next((a for a in child.get("address") or [] if isinstance(a, dict)), {})
    return {
        "given_name": given,
        "family_name": family,
        "date_of_birth": born,
        "nhs_number": nhs,
        "hospital_number": identifiers.get(HOSPITAL_NUMBER, ""),
        "sex": gender,
        "postcode": _text(address.get("postalCode"))[:10],
    }


def _team(resource: dict, client: IntegrationClient, problems: list[tuple[str, str]]) -> Team | None:
    performers = [p for p in resource.get("performer") or [] if isinstance(p, dict)]
    reference = _text(performers[0].get("reference")) if len(performers) == 1 else ""
    raw = reference.removeprefix("Organization/")
    team = (
        client.teams.filter(pk=int(raw)).first()
        if reference.startswith("Organization/") and raw.isdigit() and len(raw) < 18
        else None
    )
    if team is None:
        problems.append(
            (
                "ServiceRequest.performer",
                "performer must be one Organization/<id>: one of this client's teams.",
            )
        )
    return team


def _referral_fields(resource: dict, problems: list[tuple[str, str]]) -> dict[str, Any]:
    if resource.get("status") != "active" or resource.get("intent") not in ("order", "proposal", "plan"):
        problems.append(
            ("ServiceRequest.status", "status must be active, and intent order, proposal or plan.")
        )
    urgency = URGENCY.get(resource.get("priority") or "routine")
    if urgency is None:
        problems.append(("ServiceRequest.priority", "priority must be routine, urgent or stat."))
    codes = [
        c.get("code")
        for cat in resource.get("category") or []
        if isinstance(cat, dict)
        for c in cat.get("coding") or []
        if isinstance(c, dict)
    ]
    source = next((c for c in codes if c in Referral.ExternalSource.values), Referral.ExternalSource.OTHER)
    reasons = [r for r in resource.get("reasonCode") or [] if isinstance(r, dict)]
    reason = _text(reasons[0].get("text")) if reasons else ""
    if not reason:
        problems.append(("ServiceRequest.reasonCode", "Give the reason for referral as reasonCode[0].text."))
    referrer = _text((resource.get("requester") or {}).get("display"))
    if not referrer:
        problems.append(("ServiceRequest.requester", "Give the referrer's name as requester.display."))
    return {
        "external_source": source,
        "referrer_name": referrer[:150],
        "reason": reason,
        "urgency": urgency or "",
    }


def read_service_request(resource: Any, client: IntegrationClient) -> Inbound:
    """The intake's arguments from a ServiceRequest, or ``Problems`` listing everything wrong with it."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "ServiceRequest":
        raise Problems([("ServiceRequest", "Send a ServiceRequest resource as application/fhir+json.")])
    problems: list[tuple[str, str]] = []
    system, value = _identifier(resource, problems)
    child = _child(resource, problems)
    team = _team(resource, client, problems)
    fields = _referral_fields(resource, problems)
    if problems:
        raise Problems(problems)
    details = {**fields, **child, "target_team": team, "referrer_organisation": client.name[:150]}
    return Inbound(system, value, details)
