"""Severity scales (data) and the scores recorded against an exact scale version."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.attention import patient_attention_changed
from carecoord.errors import refuse_unless
from carecoord.limits import within

from ..models import ScaleItem, SeverityScale, SeverityScore, SeverityScoreValue
from ._common import not_in_future


@dataclass(frozen=True)
class ItemSpec:
    label: str
    minimum: int = 0
    maximum: int = 3
    code: str = ""


def _clean_items(items: Sequence[ItemSpec]) -> list[ItemSpec]:
    if not items:
        raise ValidationError({"items": "A scale needs at least one item."})
    cleaned, codes = [], set()
    for item in items:
        code = item.code or slugify(item.label)[:50]
        if not item.label.strip() or not code:
            raise ValidationError({"items": "Every item needs a label."})
        if code in codes:
            raise ValidationError({"items": f"Two items share the code {code!r}."})
        if item.maximum <= item.minimum:
            raise ValidationError({"items": f"{item.label}: the maximum must be above the minimum."})
        codes.add(code)
        cleaned.append(
            ItemSpec(label=item.label.strip(), minimum=item.minimum, maximum=item.maximum, code=code)
        )
    return cleaned


def scale_create(
    *, actor: User | None, name: str, items: Sequence[ItemSpec], description: str = "", is_demo: bool = False
) -> SeverityScale:
    """A new scale, or a new version of an existing scale name. ``actor`` None is the demo loader."""
    if actor is not None:
        refuse_unless(roles.can_manage_scales(actor), "Only a clinic administrator can manage scales.")
    if not name.strip():
        raise ValidationError({"name": "Enter the scale's name."})
    specs = _clean_items(items)
    with transaction.atomic():
        latest = SeverityScale.objects.filter(name=name.strip()).aggregate(v=Max("version"))["v"] or 0
        scale = SeverityScale.objects.create(
            name=name.strip(), version=latest + 1, description=description, is_demo=is_demo
        )
        ScaleItem.objects.bulk_create(
            ScaleItem(
                scale=scale, code=s.code, label=s.label, minimum=s.minimum, maximum=s.maximum, position=i
            )
            for i, s in enumerate(specs)
        )
    return scale


def scale_is_locked(scale: SeverityScale) -> bool:
    """A version with any score is immutable."""
    return SeverityScore.objects.filter(scale=scale).exists()


def scale_revise(
    *, actor: User, scale: SeverityScale, items: Sequence[ItemSpec], description: str | None = None
) -> SeverityScale:
    """Change a scale's items. An unused version changes in place; a used one gets a new version,
    and the old one stops being offered for new scores."""
    refuse_unless(roles.can_manage_scales(actor), "Only a clinic administrator can manage scales.")
    specs = _clean_items(items)
    with transaction.atomic():
        locked = SeverityScale.objects.select_for_update().get(pk=scale.pk)
        if scale_is_locked(locked):
            new = scale_create(
                actor=actor,
                name=locked.name,
                items=specs,
                description=locked.description if description is None else description,
                is_demo=locked.is_demo,
            )
            SeverityScale.objects.filter(pk=locked.pk).update(is_active=False)
            return new
        ScaleItem.objects.filter(scale=locked).delete()
        ScaleItem.objects.bulk_create(
            ScaleItem(
                scale=locked, code=s.code, label=s.label, minimum=s.minimum, maximum=s.maximum, position=i
            )
            for i, s in enumerate(specs)
        )
        if description is not None:
            locked.description = description
            locked.save(update_fields=["description"])
        return locked


def _whole_number(raw: object) -> int | None:
    """An int, a float with no fraction, or a string of digits; None for anything else.

    ``int()`` alone would truncate 1.5 to 1 and read True as 1.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            return None
    return None


def score_record(
    *,
    actor: User,
    patient: Patient,
    scale: SeverityScale,
    assessed_on: datetime.date,
    values: Mapping[str, int | str | None],
    note: str = "",
    not_assessable: Mapping[str, str] | None = None,
) -> SeverityScore:
    """Record a score: every item of this scale version, each within its range, or recorded as not
    assessable with the reason (too young, or unable); the total is then partial. All or nothing."""
    refuse_unless(roles.can_record_score(actor), "Your role cannot record severity scores.")
    if assessed_on is None:
        raise ValidationError({"assessed_on": "Enter the date of the assessment."})
    not_in_future(assessed_on, "assessed_on", "assessment date")
    items = list(scale.items.all())
    by_code = {item.code: item for item in items}
    errors: dict[str, str] = {}
    unknown = sorted((set(values) | set(not_assessable or {})) - set(by_code))
    if unknown:
        errors["values"] = f"These items are not on {scale}: {', '.join(unknown)}."
    skipped = _not_assessable(items, values, not_assessable or {}, errors)
    parsed: dict[str, int] = {}
    for item in items:
        if item.code in skipped:
            continue
        raw = values.get(item.code)
        if raw is None or raw == "":
            errors[item.code] = f"Enter a value for {item.label}."
            continue
        value = _whole_number(raw)
        if value is None:
            errors[item.code] = f"{item.label} must be a whole number."
            continue
        if not item.minimum <= value <= item.maximum:
            errors[item.code] = (
                f"{item.label} must be between {item.minimum} and {item.maximum}; {value} is outside it."
            )
            continue
        parsed[item.code] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        score = SeverityScore.objects.create(
            patient=patient,
            scale=scale,
            assessed_on=assessed_on,
            assessor=actor,
            note=within(note, field="note", limit=300, label="Note"),
        )
        SeverityScoreValue.objects.bulk_create(
            [
                SeverityScoreValue(score=score, item=by_code[code], value=value)
                for code, value in parsed.items()
            ]
            + [
                SeverityScoreValue(score=score, item=by_code[code], value=None, not_assessable=reason)
                for code, reason in skipped.items()
            ]
        )
        patient_attention_changed([patient.pk])  # a contact
    return score


def _not_assessable(
    items: Sequence[ScaleItem],
    values: Mapping[str, int | str | None],
    not_assessable: Mapping[str, str],
    errors: dict[str, str],
) -> dict[str, str]:
    """The items recorded as not assessable, each with a valid reason and no value (HAZ-12)."""
    skipped: dict[str, str] = {}
    for item in items:
        reason = (not_assessable.get(item.code) or "").strip()
        if not reason:
            continue
        if reason not in SeverityScoreValue.NotAssessable.values:
            errors[item.code] = f"Say why {item.label} was not assessable: too young, or unable."
        elif values.get(item.code) not in (None, ""):
            errors[item.code] = f"{item.label} has a value and is marked not assessable; choose one."
        else:
            skipped[item.code] = reason
    if items and len(skipped) == len(items):
        errors["values"] = "Score at least one item; every item is marked not assessable."
    return skipped
