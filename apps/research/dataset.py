"""The OMS dataset for a set of consented children, pseudonymised, as rows of the tables in columns.py.

Every query names its columns (``values``), so no free text (notes, result summaries, regimen notes,
sites, names, numbers) is ever read, let alone written. Dates become months (YYYY-MM). The query
count is constant in the number of children.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.text import slugify

from apps.pathways.models import (
    DiagnosticAssessment,
    DiagnosticCriterion,
    Investigation,
    Relapse,
    SeverityScore,
    SeverityScoreValue,
    TreatmentCourse,
    Tumour,
)
from apps.pathways.services.response_review import IMMUNOTHERAPY, OUTCOME_WEEKS
from apps.patients.models import Patient

from .columns import OUTCOME_STATUS, TABLES
from .pseudonym import PseudonymKey

Row = dict[str, Any]


def month(day: datetime.date | datetime.datetime | None) -> str:
    """The one date method: a date becomes its month, YYYY-MM (empty when there is none)."""
    return f"{day.year:04d}-{day.month:02d}" if day else ""


@dataclass
class Dataset:
    tables: dict[str, list[Row]] = field(default_factory=lambda: {t.name: [] for t in TABLES})

    @property
    def children(self) -> int:
        return len(self.tables["children"])


@dataclass
class _Score:
    pk: int
    assessed_on: datetime.date
    scale_code: str
    scale_version: int
    total: int
    partial: bool


def _scores(key: PseudonymKey, ids: list[int], data: Dataset) -> dict[int, list[_Score]]:
    values = (
        SeverityScoreValue.objects.filter(score__patient_id__in=ids)
        .order_by("score__patient_id", "score__assessed_on", "score_id", "item__position", "item_id")
        .values(
            "score_id",
            "score__patient_id",
            "score__assessed_on",
            "score__scale__name",
            "score__scale__version",
            "score__scale__is_demo",
            "item__code",
            "item__minimum",
            "item__maximum",
            "value",
            "not_assessable",
        )
    )
    scores: dict[int, Row] = {}
    for v in values:
        ref = key.of("score", v["score_id"], 16)
        scale_code = slugify(v["score__scale__name"])
        data.tables["score_items"].append(
            {
                "child": key.of("patient", v["score__patient_id"]),
                "score": ref,
                "scale_code": scale_code,
                "scale_version": v["score__scale__version"],
                "item_code": v["item__code"],
                "item_minimum": v["item__minimum"],
                "item_maximum": v["item__maximum"],
                "value": v["value"],
                "not_assessable": v["not_assessable"],
            }
        )
        row = scores.setdefault(
            v["score_id"],
            {
                "patient_id": v["score__patient_id"],
                "assessed_on": v["score__assessed_on"],
                "scale_code": scale_code,
                "scale_version": v["score__scale__version"],
                "scale_is_demo": v["score__scale__is_demo"],
                "total": 0,
                "assessed": 0,
                "not_assessable": 0,
            },
        )
        if v["value"] is None:
            row["not_assessable"] += 1
        else:
            row["total"] += v["value"]
            row["assessed"] += 1
    # A score with no values at all still counts as a rating (its total is 0 of nothing, partial).
    for bare in (
        SeverityScore.objects.filter(patient_id__in=ids)
        .exclude(pk__in=list(scores))
        .values("pk", "patient_id", "assessed_on", "scale__name", "scale__version", "scale__is_demo")
    ):
        scores[bare["pk"]] = {
            "patient_id": bare["patient_id"],
            "assessed_on": bare["assessed_on"],
            "scale_code": slugify(bare["scale__name"]),
            "scale_version": bare["scale__version"],
            "scale_is_demo": bare["scale__is_demo"],
            "total": 0,
            "assessed": 0,
            "not_assessable": 0,
        }
    by_child: dict[int, list[_Score]] = defaultdict(list)
    for pk, s in sorted(
        scores.items(), key=lambda item: (item[1]["patient_id"], item[1]["assessed_on"], item[0])
    ):
        partial = s["not_assessable"] > 0 or s["assessed"] == 0
        data.tables["scores"].append(
            {
                "child": key.of("patient", s["patient_id"]),
                "score": key.of("score", pk, 16),
                "assessed_month": month(s["assessed_on"]),
                "scale_code": s["scale_code"],
                "scale_version": s["scale_version"],
                "scale_is_demo": s["scale_is_demo"],
                "total": s["total"],
                "items_assessed": s["assessed"],
                "items_not_assessable": s["not_assessable"],
                "partial": partial,
            }
        )
        by_child[s["patient_id"]].append(
            _Score(pk, s["assessed_on"], s["scale_code"], s["scale_version"], s["total"], partial)
        )
    return by_child


def _children(key: PseudonymKey, ids: list[int], data: Dataset) -> None:
    criteria: dict[int, list[Any]] = defaultdict(list)
    for c in (
        DiagnosticCriterion.objects.filter(assessment__patient_id__in=ids)
        .order_by("assessment__patient_id", "criterion")
        .values("assessment__patient_id", "criterion", "present", "observed_on")
    ):
        criteria[c["assessment__patient_id"]].append(c)
        data.tables["criteria"].append(
            {
                "child": key.of("patient", c["assessment__patient_id"]),
                "criterion": c["criterion"],
                "present": c["present"],
                "observed_month": month(c["observed_on"]),
            }
        )
    latest_stage: dict[int, str] = {}
    for t in (
        Tumour.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "detected_on", "pk")
        .values("pk", "patient_id", "inrg_stage", "detected_on", "resected_on", "oncology_status")
    ):
        latest_stage[t["patient_id"]] = t["inrg_stage"]
        data.tables["tumours"].append(
            {
                "child": key.of("patient", t["patient_id"]),
                "tumour": key.of("tumour", t["pk"], 16),
                "inrg_stage": t["inrg_stage"],
                "detected_month": month(t["detected_on"]),
                "resected_month": month(t["resected_on"]),
                "oncology_status": t["oncology_status"],
            }
        )
    for p in (
        Patient.objects.filter(pk__in=ids)
        .order_by("pk")
        .values(
            "pk",
            "sex",
            "date_of_birth",
            "status",
            "assessment__oms_status",
            "assessment__aetiology",
            "assessment__onset_date",
            "assessment__diagnosis_date",
        )
    ):
        recorded = criteria.get(p["pk"], [])
        present = sum(1 for c in recorded if c["present"])
        data.tables["children"].append(
            {
                "child": key.of("patient", p["pk"]),
                "sex": p["sex"],
                "birth_month": month(p["date_of_birth"]),
                "status": p["status"],
                "oms_status": p["assessment__oms_status"] or "",
                "aetiology": p["assessment__aetiology"] or "",
                "onset_month": month(p["assessment__onset_date"]),
                "diagnosis_month": month(p["assessment__diagnosis_date"]),
                "criteria_recorded": len(recorded),
                "criteria_present": present,
                "meets_criteria": present >= 3,
                "tumour_recorded": p["pk"] in latest_stage,
                "inrg_stage": latest_stage.get(p["pk"], ""),
            }
        )


def _treatments(key: PseudonymKey, ids: list[int], data: Dataset) -> dict[int, list[Any]]:
    courses: dict[int, list[Any]] = defaultdict(list)
    for c in (
        TreatmentCourse.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "start_date", "pk")
        .values(
            "pk",
            "patient_id",
            "agent",
            "status",
            "start_date",
            "planned_end_date",
            "wean_started_on",
            "ended_on",
        )
    ):
        courses[c["patient_id"]].append(c)
        data.tables["treatments"].append(
            {
                "child": key.of("patient", c["patient_id"]),
                "course": key.of("course", c["pk"], 16),
                "agent": c["agent"],
                "status": c["status"],
                "start_month": month(c["start_date"]),
                "planned_end_month": month(c["planned_end_date"]),
                "wean_month": month(c["wean_started_on"]),
                "end_month": month(c["ended_on"]),
            }
        )
    return courses


def _relapses(key: PseudonymKey, ids: list[int], data: Dataset) -> dict[int, list[datetime.date]]:
    onsets: dict[int, list[datetime.date]] = defaultdict(list)
    for r in (
        Relapse.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "onset_date", "pk")
        .values(
            "pk",
            "patient_id",
            "onset_date",
            "trigger",
            "severity",
            "resolved_on",
            "response_course_id",
            "response_course__agent",
        )
    ):
        onsets[r["patient_id"]].append(r["onset_date"])
        data.tables["relapses"].append(
            {
                "child": key.of("patient", r["patient_id"]),
                "relapse": key.of("relapse", r["pk"], 16),
                "onset_month": month(r["onset_date"]),
                "trigger": r["trigger"],
                "severity": r["severity"],
                "resolved_month": month(r["resolved_on"]),
                "response_course": key.of("course", r["response_course_id"], 16)
                if r["response_course_id"]
                else "",
                "response_agent": r["response_course__agent"] or "",
            }
        )
    return onsets


def _result_band(status: str, abnormal: bool | None) -> str:
    if status != Investigation.Status.RESULTED:
        return "no_result"
    if abnormal is None:
        return "not_stated"
    return "abnormal" if abnormal else "normal"


def _investigations(key: PseudonymKey, ids: list[int], data: Dataset) -> None:
    for i in (
        Investigation.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "requested_on", "pk")
        .values("pk", "patient_id", "kind", "status", "requested_on", "done_on", "resulted_at", "abnormal")
    ):
        data.tables["investigations"].append(
            {
                "child": key.of("patient", i["patient_id"]),
                "investigation": key.of("investigation", i["pk"], 16),
                "kind": i["kind"],
                "status": i["status"],
                "requested_month": month(i["requested_on"]),
                "done_month": month(i["done_on"]),
                "resulted_month": month(i["resulted_at"]),
                "result_band": _result_band(i["status"], i["abnormal"]),
            }
        )


def _outcome(
    key: PseudonymKey,
    pk: int,
    courses: list[Row],
    scores: list[_Score],
    onsets: list[datetime.date],
    today: datetime.date,
) -> Row:
    """The 48-week outcome, as apps.pathways.services.response_review.outcome_point defines the point."""
    row: Row = {"child": key.of("patient", pk)}
    started = [
        c for c in courses if c["agent"] in IMMUNOTHERAPY and c["status"] != TreatmentCourse.Status.PLANNED
    ]
    if not started:
        return {**row, "outcome_status": "no_immunotherapy"}
    first = min(started, key=lambda c: (c["start_date"], c["pk"]))
    point = first["start_date"] + datetime.timedelta(weeks=OUTCOME_WEEKS)
    window = datetime.timedelta(weeks=settings.RESEARCH_OUTCOME_WINDOW_WEEKS)
    baseline = [s for s in scores if s.assessed_on <= first["start_date"]]
    row.update(
        first_immunotherapy_month=month(first["start_date"]),
        first_immunotherapy_agent=first["agent"],
        outcome_point_month=month(point),
        baseline_total=baseline[-1].total if baseline else "",
        relapses_before_outcome=sum(1 for d in onsets if d < point),
    )
    near = [s for s in scores if abs(s.assessed_on - point) <= window]
    if not near:
        return {**row, "outcome_status": "not_reached" if point > today else "no_score_in_window"}
    best = min(near, key=lambda s: (abs(s.assessed_on - point), s.assessed_on))
    return {
        **row,
        "outcome_status": "assessed",
        "outcome_score": key.of("score", best.pk, 16),
        "outcome_score_month": month(best.assessed_on),
        "outcome_scale_code": best.scale_code,
        "outcome_scale_version": best.scale_version,
        "outcome_total": best.total,
        "outcome_partial": best.partial,
    }


def dataset_build(*, key: PseudonymKey, patient_ids: Iterable[int], today: datetime.date) -> Dataset:
    ids = sorted(set(patient_ids))
    data = Dataset()
    _children(key, ids, data)
    scores = _scores(key, ids, data)
    courses = _treatments(key, ids, data)
    onsets = _relapses(key, ids, data)
    _investigations(key, ids, data)
    data.tables["outcomes"] = [
        _outcome(key, pk, courses.get(pk, []), scores.get(pk, []), onsets.get(pk, []), today) for pk in ids
    ]
    data.tables["summary"] = summary_rows(data, settings.RESEARCH_MIN_CELL)
    return data


def suppressed(count: int, minimum: int) -> int | str:
    """A count from 1 to minimum - 1 is shown as '<minimum' (0 and counts at the minimum are shown)."""
    return f"<{minimum}" if 0 < count < minimum else count


# Each child is in exactly one category of these: one small cell could be worked out from the total.
EXCLUSIVE_MEASURES = frozenset({"sex", "aetiology", "meets_criteria", "inrg_stage", "outcome_status"})
SECONDARY = "*"


def _suppress_complement(shown: dict[str, int | str], counts: dict[str, int]) -> None:
    """Secondary suppression: when a measure hides exactly one cell, hide its smallest other non-zero
    cell too (shown as '*'), so the hidden one cannot be found by subtracting from the total."""
    hidden = [c for c, v in shown.items() if isinstance(v, str)]
    if len(hidden) != 1:
        return
    others = [c for c, n in counts.items() if n > 0 and c not in hidden]
    if others:
        shown[min(others, key=lambda c: (counts[c], c))] = SECONDARY


def summary_rows(data: Dataset, minimum: int) -> list[Row]:
    """Children per category (all codes listed, so a zero is a real zero), small cells suppressed."""
    children = data.tables["children"]
    per_agent: dict[str, set[str]] = defaultdict(set)
    for row in data.tables["treatments"]:
        per_agent[row["agent"]].add(row["child"])
    per_trigger: dict[str, set[str]] = defaultdict(set)
    for row in data.tables["relapses"]:
        per_trigger[row["trigger"]].add(row["child"])
    counted = {
        "sex": Counter(r["sex"] for r in children),
        "aetiology": Counter(r["aetiology"] for r in children),
        "meets_criteria": Counter(str(r["meets_criteria"]).lower() for r in children),
        "inrg_stage": Counter(r["inrg_stage"] or "none_or_unstaged" for r in children),
        "agent": Counter({a: len(c) for a, c in per_agent.items()}),
        "relapse_trigger": Counter({t: len(c) for t, c in per_trigger.items()}),
        "outcome_status": Counter(r["outcome_status"] for r in data.tables["outcomes"]),
    }
    categories = {
        "sex": Patient.Sex.values,
        "aetiology": [*DiagnosticAssessment.Aetiology.values, ""],
        "meets_criteria": ["true", "false"],
        "inrg_stage": [*Tumour.InrgStage.values, "none_or_unstaged"],
        "agent": TreatmentCourse.Agent.values,
        "relapse_trigger": Relapse.Trigger.values,
        "outcome_status": list(OUTCOME_STATUS),
    }
    rows: list[Row] = [
        {"measure": "children", "category": "all", "children": suppressed(len(children), minimum)}
    ]
    for measure, cats in categories.items():
        listed = [c for c in cats if c != "" or counted[measure][c]]  # "not recorded" only when it happens
        shown: dict[str, int | str] = {c: suppressed(counted[measure][c], minimum) for c in listed}
        if measure in EXCLUSIVE_MEASURES:
            _suppress_complement(shown, {c: counted[measure][c] for c in listed})
        rows += [{"measure": measure, "category": c or "not_recorded", "children": shown[c]} for c in listed]
    return rows
