"""The export's tables and columns, written once: the files follow this order and the data
dictionary is made from it, so every column in every file is described."""

from dataclasses import dataclass

from django.db.models import TextChoices

from apps.pathways.models import (
    DiagnosticAssessment,
    DiagnosticCriterion,
    Investigation,
    Relapse,
    SeverityScoreValue,
    TreatmentCourse,
    Tumour,
)
from apps.patients.models import Patient

MONTH = "month (YYYY-MM)"
BOOL = "boolean (true/false)"
YES_NO_BLANK = "true, false, or empty when not known"


def codes(choices: type[TextChoices], *extra: str) -> str:
    return ", ".join([*choices.values, *extra])


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    allowed: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


CHILD = Column(
    "child", "text (32 hex)", "The child's pseudonym: HMAC-SHA256 of the record id, stable per key."
)


def _ref(name: str, what: str) -> Column:
    return Column(name, "text (16 hex)", f"Pseudonym of the {what} (stable per key; links the tables).")


OUTCOME_STATUS = ("assessed", "no_score_in_window", "not_reached", "no_immunotherapy")
RESULT_BANDS = ("normal", "abnormal", "not_stated", "no_result")

TABLES: tuple[Table, ...] = (
    Table(
        "children",
        "One row per consented child.",
        (
            CHILD,
            Column("sex", "code", "Sex as recorded.", codes(Patient.Sex)),
            Column("birth_month", MONTH, "Month of birth."),
            Column("status", "code", "Where the child is in the service.", codes(Patient.Status)),
            Column("oms_status", "code", "OMS diagnosis status.", codes(DiagnosticAssessment.OmsStatus)),
            Column("aetiology", "code", "Aetiology.", codes(DiagnosticAssessment.Aetiology)),
            Column("onset_month", MONTH, "Month symptoms began (empty if not recorded)."),
            Column("diagnosis_month", MONTH, "Month of diagnosis (empty if not recorded)."),
            Column(
                "criteria_recorded", "integer 0-4", "How many of the four consensus criteria are recorded."
            ),
            Column("criteria_present", "integer 0-4", "How many of the four are recorded present."),
            Column("meets_criteria", BOOL, "At least three of the four criteria present."),
            Column("tumour_recorded", BOOL, "A tumour (neuroblastoma) is recorded."),
            Column(
                "inrg_stage",
                "code",
                "INRG stage of the latest tumour (empty: none or unstaged).",
                codes(Tumour.InrgStage),
            ),
        ),
    ),
    Table(
        "criteria",
        "The 3-of-4 consensus criteria: one row per criterion recorded.",
        (
            CHILD,
            Column("criterion", "code", "Which criterion.", codes(DiagnosticCriterion.Criterion)),
            Column("present", BOOL, "Recorded present (true) or absent (false)."),
            Column("observed_month", MONTH, "Month it was observed."),
        ),
    ),
    Table(
        "scores",
        "Severity scores: one row per rating, against the exact scale version used.",
        (
            CHILD,
            _ref("score", "score"),
            Column("assessed_month", MONTH, "Month of the rating."),
            Column("scale_code", "code", "The scale (a slug of its name)."),
            Column("scale_version", "integer", "The scale version."),
            Column("scale_is_demo", BOOL, "The scale is a demo configuration, not a validated scale."),
            Column("total", "integer", "Sum of the items that could be assessed."),
            Column("items_assessed", "integer", "Items with a value."),
            Column("items_not_assessable", "integer", "Items recorded not assessable."),
            Column("partial", BOOL, "Some item was not assessable, so the total is partial."),
        ),
    ),
    Table(
        "score_items",
        "Every item of every score.",
        (
            CHILD,
            _ref("score", "score"),
            Column("scale_code", "code", "The scale (a slug of its name)."),
            Column("scale_version", "integer", "The scale version."),
            Column("item_code", "code", "The item's code in that scale version."),
            Column("item_minimum", "integer", "Lowest value the item allows."),
            Column("item_maximum", "integer", "Highest value the item allows (higher is worse)."),
            Column("value", "integer", "The rating (empty when not assessable)."),
            Column(
                "not_assessable",
                "code",
                "Why it could not be rated (empty when rated).",
                codes(SeverityScoreValue.NotAssessable),
            ),
        ),
    ),
    Table(
        "treatments",
        "Treatment courses (agents and dates only: the record holds no doses, and no notes are exported).",
        (
            CHILD,
            _ref("course", "treatment course"),
            Column(
                "agent",
                "code",
                "The agent or treatment ('other' names no detail).",
                codes(TreatmentCourse.Agent),
            ),
            Column("status", "code", "The course's status now.", codes(TreatmentCourse.Status)),
            Column("start_month", MONTH, "Month the course started."),
            Column("planned_end_month", MONTH, "Planned end month (empty if none)."),
            Column("wean_month", MONTH, "Month weaning started (empty if not weaning)."),
            Column("end_month", MONTH, "Month the course ended (empty if it has not)."),
        ),
    ),
    Table(
        "relapses",
        "Relapses with their suspected trigger.",
        (
            CHILD,
            _ref("relapse", "relapse"),
            Column("onset_month", MONTH, "Month the relapse began."),
            Column("trigger", "code", "Suspected trigger.", codes(Relapse.Trigger)),
            Column("severity", "code", "Severity.", codes(Relapse.Severity)),
            Column("resolved_month", MONTH, "Month it resolved (empty if not recorded)."),
            Column(
                "response_course",
                "text (16 hex)",
                "Pseudonym of the course given in response (empty if none).",
            ),
            Column("response_agent", "code", "That course's agent.", codes(TreatmentCourse.Agent)),
        ),
    ),
    Table(
        "investigations",
        "Investigations: type, status and a result band (no result text).",
        (
            CHILD,
            _ref("investigation", "investigation"),
            Column(
                "kind", "code", "Type of investigation ('other' names no detail).", codes(Investigation.Kind)
            ),
            Column("status", "code", "Where it stands.", codes(Investigation.Status)),
            Column("requested_month", MONTH, "Month requested."),
            Column("done_month", MONTH, "Month done (empty if not yet)."),
            Column("resulted_month", MONTH, "Month the result came (empty if not yet)."),
            Column(
                "result_band",
                "code",
                "normal / abnormal as recorded; not_stated: resulted without saying; no_result: not resulted.",
                ", ".join(RESULT_BANDS),
            ),
        ),
    ),
    Table(
        "tumours",
        "Tumours (neuroblastoma): stage and dates; no site or outcome text.",
        (
            CHILD,
            _ref("tumour", "tumour"),
            Column("inrg_stage", "code", "INRG stage (empty if unstaged).", codes(Tumour.InrgStage)),
            Column("detected_month", MONTH, "Month detected."),
            Column("resected_month", MONTH, "Month resected (empty if not)."),
            Column("oncology_status", "code", "Where the tumour care stands.", codes(Tumour.OncologyStatus)),
        ),
    ),
    Table(
        "outcomes",
        "The 48-week outcome: the score nearest 48 weeks after the first immunotherapy started "
        "(within RESEARCH_OUTCOME_WINDOW_WEEKS either side), one row per child.",
        (
            CHILD,
            Column("first_immunotherapy_month", MONTH, "Month the first immunotherapy course started."),
            Column("first_immunotherapy_agent", "code", "Its agent.", codes(TreatmentCourse.Agent)),
            Column("outcome_point_month", MONTH, "Month of the 48-week point."),
            Column(
                "outcome_status",
                "code",
                "assessed: a score within the window; no_score_in_window; not_reached: the point is in the "
                "future; no_immunotherapy: no course started.",
                ", ".join(OUTCOME_STATUS),
            ),
            _ref("outcome_score", "score used for the outcome"),
            Column("outcome_score_month", MONTH, "Month of that score."),
            Column("outcome_scale_code", "code", "Its scale."),
            Column("outcome_scale_version", "integer", "Its scale version."),
            Column("outcome_total", "integer", "Its total."),
            Column("outcome_partial", BOOL, "Its total is partial."),
            Column(
                "baseline_total",
                "integer",
                "Total of the last score on or before the first immunotherapy (empty if none).",
            ),
            Column("relapses_before_outcome", "integer", "Relapses with onset before the 48-week point."),
        ),
    ),
    Table(
        "summary",
        "Counts of children. Counts from 1 to RESEARCH_MIN_CELL - 1 are suppressed and shown as '<N'; "
        "where a measure puts each child in one category and hides one cell, its next smallest cell is "
        "hidden too and shown as '*' (so the first cannot be found from the total).",
        (
            Column(
                "measure",
                "code",
                "What is counted.",
                "children, sex, aetiology, meets_criteria, inrg_stage, agent, relapse_trigger, outcome_status",
            ),
            Column(
                "category",
                "code",
                "The category counted (the codes of the tables above; 'all' for children).",
            ),
            Column(
                "children",
                "integer, '<N' or '*'",
                "Children in the category (a child may count in several categories of agent and relapse_trigger).",
            ),
        ),
    ),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}
DICTIONARY = Table(
    "data_dictionary",
    "This file: every column of every table.",
    (
        Column("table", "code", "The table (file name without .csv / .ndjson)."),
        Column("column", "code", "The column."),
        Column("type", "text", "Its type."),
        Column("meaning", "text", "What it means."),
        Column("allowed_values", "text", "The values it may take (empty: any of its type)."),
    ),
)
