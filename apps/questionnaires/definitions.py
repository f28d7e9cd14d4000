"""Questionnaire definitions (data, managed by clinic administrators), versioned like severity scales.

A version that any response uses is immutable: ``version_revise`` then makes a new version (and the
old one stops being used for new assignments); an unused version changes in place.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from apps.accounts import roles
from apps.accounts.models import User
from carecoord.errors import ApplicationError, refuse_unless

from .models import (
    AnswerOption,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireResponse,
    QuestionnaireVersion,
)
from .scoring import max_of

Type = QuestionnaireItem.Type
ADMIN_ONLY = "Only a clinic administrator can manage questionnaires."
LOCKED = "Families have answered this version, so it cannot change. Make a new version instead."


@dataclass(frozen=True)
class OptionSpec:
    display: str
    score: int = 0
    code: str = ""


@dataclass(frozen=True)
class ItemSpec:
    text: str
    type: str
    link_id: str = ""
    required: bool = True
    min_value: int | None = None
    max_value: int | None = None
    reverse_scored: bool = False
    help_text: str = ""
    options: Sequence[OptionSpec] = field(default_factory=tuple)


def _clean_options(spec: ItemSpec) -> list[OptionSpec]:
    if spec.type != Type.CHOICE:
        if spec.options:
            raise ValidationError({"items": f"{spec.text}: only choice questions have answer options."})
        return []
    if len(spec.options) < 2:
        raise ValidationError({"items": f"{spec.text}: a choice question needs at least two answers."})
    cleaned, codes = [], set()
    for option in spec.options:
        code = option.code or slugify(option.display)[:40]
        if not option.display.strip() or not code or code in codes:
            raise ValidationError({"items": f"{spec.text}: every answer needs its own wording."})
        codes.add(code)
        cleaned.append(OptionSpec(display=option.display.strip(), score=option.score, code=code))
    return cleaned


def _clean_items(items: Sequence[ItemSpec]) -> list[tuple[ItemSpec, list[OptionSpec]]]:
    if not items:
        raise ValidationError({"items": "A questionnaire needs at least one question."})
    cleaned, links = [], set()
    for spec in items:
        link_id = spec.link_id or slugify(spec.text)[:50]
        if not spec.text.strip() or not link_id:
            raise ValidationError({"items": "Every question needs its wording."})
        if link_id in links:
            raise ValidationError({"items": f"Two questions share the linkId {link_id!r}."})
        if spec.type not in Type.values:
            raise ValidationError({"items": f"{spec.text}: choose choice, integer, boolean or text."})
        if spec.type == Type.INTEGER and (
            spec.min_value is None or spec.max_value is None or spec.max_value <= spec.min_value
        ):
            raise ValidationError(
                {"items": f"{spec.text}: a whole-number question needs a min below its max."}
            )
        if spec.type == Type.TEXT and spec.reverse_scored:
            raise ValidationError(
                {"items": f"{spec.text}: a text question is not scored, so cannot be reversed."}
            )
        links.add(link_id)
        options = _clean_options(spec)
        fields = {**spec.__dict__, "link_id": link_id, "text": spec.text.strip(), "options": ()}
        cleaned.append((ItemSpec(**fields), options))
    return cleaned


def _write_items(version: QuestionnaireVersion, specs: list[tuple[ItemSpec, list[OptionSpec]]]) -> None:
    items = QuestionnaireItem.objects.bulk_create(
        QuestionnaireItem(
            version=version,
            link_id=spec.link_id,
            text=spec.text,
            help_text=spec.help_text,
            type=spec.type,
            required=spec.required,
            min_value=spec.min_value if spec.type == Type.INTEGER else None,
            max_value=spec.max_value if spec.type == Type.INTEGER else None,
            reverse_scored=spec.reverse_scored,
            position=index,
        )
        for index, (spec, _) in enumerate(specs)
    )
    AnswerOption.objects.bulk_create(
        AnswerOption(item=item, code=o.code, display=o.display, score=o.score, position=index)
        for item, (_, options) in zip(items, specs, strict=True)
        for index, o in enumerate(options)
    )
    version.max_score = max_of(list(version.items.prefetch_related("options")))
    version.save(update_fields=["max_score"])


def questionnaire_create(
    *,
    actor: User | None,
    code: str,
    title: str,
    items: Sequence[ItemSpec],
    description: str = "",
    change_threshold: int | None = None,
    is_demo: bool = False,
) -> Questionnaire:
    """A new questionnaire with its first version. ``actor`` None is the demo loader."""
    if actor is not None:
        refuse_unless(roles.can_manage_scales(actor), ADMIN_ONLY)
    if not title.strip() or not slugify(code):
        raise ValidationError({"title": "Enter the questionnaire's title and code."})
    if change_threshold is not None and change_threshold < 1:
        raise ValidationError({"change_threshold": "The change threshold must be at least 1 point."})
    specs = _clean_items(items)
    with transaction.atomic():
        if Questionnaire.objects.filter(code=slugify(code)).exists():
            raise ValidationError({"code": "A questionnaire already has this code."})
        questionnaire = Questionnaire.objects.create(
            code=slugify(code),
            title=title.strip(),
            description=description,
            change_threshold=change_threshold,
            is_demo=is_demo,
        )
        version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, version=1)
        _write_items(version, specs)
    return questionnaire


def version_is_locked(version: QuestionnaireVersion) -> bool:
    """A version any response uses is immutable."""
    return QuestionnaireResponse.objects.filter(version=version).exists()


def version_revise(
    *, actor: User, version: QuestionnaireVersion, items: Sequence[ItemSpec]
) -> QuestionnaireVersion:
    """Change a version's questions: in place while unanswered, else as a new current version."""
    refuse_unless(roles.can_manage_scales(actor), ADMIN_ONLY)
    specs = _clean_items(items)
    with transaction.atomic():
        locked = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
        if not version_is_locked(locked):
            AnswerOption.objects.filter(item__version=locked).delete()
            QuestionnaireItem.objects.filter(version=locked).delete()
            _write_items(locked, specs)
            return locked
        return _new_version(locked.questionnaire, specs)


def version_copy(*, actor: User, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """A new editable current version with the same questions (the admin's "new version")."""
    refuse_unless(roles.can_manage_scales(actor), ADMIN_ONLY)
    items = version.items.prefetch_related("options")
    specs = [
        (
            ItemSpec(
                text=i.text,
                type=i.type,
                link_id=i.link_id,
                required=i.required,
                min_value=i.min_value,
                max_value=i.max_value,
                reverse_scored=i.reverse_scored,
                help_text=i.help_text,
            ),
            [OptionSpec(display=o.display, score=o.score, code=o.code) for o in i.options.all()],
        )
        for i in items
    ]
    with transaction.atomic():
        return _new_version(version.questionnaire, specs)


def _new_version(
    questionnaire: Questionnaire, specs: list[tuple[ItemSpec, list[OptionSpec]]]
) -> QuestionnaireVersion:
    latest = questionnaire.versions.aggregate(v=Max("version"))["v"] or 0
    QuestionnaireVersion.objects.filter(questionnaire=questionnaire, is_current=True).update(is_current=False)
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, version=latest + 1)
    _write_items(version, specs)
    return version


def refuse_if_locked(version: QuestionnaireVersion) -> None:
    """For the admin's saves: a stale edit of an answered version is a clash, not a change."""
    if version_is_locked(version):
        raise ApplicationError.stale(LOCKED)
