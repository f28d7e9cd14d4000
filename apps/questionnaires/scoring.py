"""Reading and scoring answers against one questionnaire version: the rules in one place.

The score of an item is its answer's score (a choice's option score, a whole number's value, 1 for
yes and 0 for no); a reverse-scored item is turned round within its range (max + min - score), so a
higher total always means worse. Text is not scored. The total is the sum, out of the version's max.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .models import QuestionnaireItem

Type = QuestionnaireItem.Type
TEXT_MAX = 1000
YES_WORDS = {"yes", "true", "1"}
NO_WORDS = {"no", "false", "0"}


@dataclass(frozen=True)
class ParsedAnswer:
    item: QuestionnaireItem
    code: str = ""
    integer: int | None = None
    boolean: bool | None = None
    text: str = ""
    score: int | None = None


def score_range(item: QuestionnaireItem) -> tuple[int, int] | None:
    """(lowest, highest) score of an item, or None when it is not scored (text)."""
    if item.type == Type.CHOICE:
        scores = [option.score for option in item.options.all()]
        return (min(scores), max(scores)) if scores else None
    if item.type == Type.INTEGER and item.min_value is not None and item.max_value is not None:
        return item.min_value, item.max_value
    if item.type == Type.BOOLEAN:
        return 0, 1
    return None


def item_score(item: QuestionnaireItem, raw: int) -> int:
    span = score_range(item)
    if item.reverse_scored and span is not None:
        return span[0] + span[1] - raw
    return raw


def _whole_number(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            return None
    return None


def _boolean(raw: object) -> bool | None:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    return True if word in YES_WORDS else False if word in NO_WORDS else None


def _parse_one(item: QuestionnaireItem, raw: object) -> ParsedAnswer | str:
    """The answer read and scored, or the plain-words problem with it."""
    if item.type == Type.CHOICE:
        options = {option.code: option for option in item.options.all()}
        option = options.get(str(raw).strip())
        if option is None:
            return "Choose one of the answers."
        return ParsedAnswer(item, code=option.code, score=item_score(item, option.score))
    if item.type == Type.INTEGER:
        value = _whole_number(raw)
        if value is None:
            return "Enter a whole number, like 3."
        low, high = item.min_value, item.max_value
        if low is None or high is None or not low <= value <= high:
            return f"Enter a number from {low} to {high}."
        return ParsedAnswer(item, integer=value, score=item_score(item, value))
    if item.type == Type.BOOLEAN:
        flag = _boolean(raw)
        if flag is None:
            return "Choose yes or no."
        return ParsedAnswer(item, boolean=flag, score=item_score(item, int(flag)))
    text = str(raw).strip()
    if len(text) > TEXT_MAX:
        return f"Keep this to {TEXT_MAX} characters or fewer (it has {len(text)})."
    return ParsedAnswer(item, text=text)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def answers_parse(items: Sequence[QuestionnaireItem], answers: Mapping[str, object]) -> list[ParsedAnswer]:
    """Every answer checked against its item (all or nothing): ValidationError keyed by linkId."""
    by_link = {item.link_id: item for item in items}
    errors: dict[str, str] = {}
    unknown = sorted(set(answers) - set(by_link))
    if unknown:
        errors["answers"] = f"These questions are not in this questionnaire: {', '.join(unknown)}."
    parsed: list[ParsedAnswer] = []
    for item in items:
        raw = answers.get(item.link_id)
        if _blank(raw):
            if item.required:
                errors[item.link_id] = "Answer this question."
            continue
        result = _parse_one(item, raw)
        if isinstance(result, str):
            errors[item.link_id] = result
        else:
            parsed.append(result)
    if errors:
        raise ValidationError(errors)
    return parsed


def total_of(parsed: Sequence[ParsedAnswer]) -> int:
    return sum(answer.score for answer in parsed if answer.score is not None)


def max_of(items: Sequence[QuestionnaireItem]) -> int:
    return sum(span[1] for item in items if (span := score_range(item)) is not None)
