"""Writes to the clinical pathway. Each service checks the actor's role, validates, writes in one
transaction with history, and the timeline reads the rows it leaves.

Investigations, courses and tracks each move through one ``Transitions`` table (``INVESTIGATION``,
``COURSE``, ``TRACK``), which writes their event rows; the ``*_TRANSITIONS`` names are those tables."""

from .assessment import assessment_record_criterion, assessment_update, criteria_met
from .courses import COURSE, COURSE_TRANSITIONS, course_create, course_transition
from .investigations import (
    INVESTIGATION,
    INVESTIGATION_TRANSITIONS,
    acknowledgement_due,
    investigation_acknowledge,
    investigation_book,
    investigation_cancel,
    investigation_mark_done,
    investigation_record_result,
    investigation_request,
    investigation_step,
    investigation_steps,
    investigations_flag_unacknowledged,
    result_path,
)
from .relapses import relapse_record, relapse_update
from .scales import ItemSpec, scale_create, scale_is_locked, scale_revise, score_record
from .symptoms import symptom_report_review, symptom_report_submit
from .tracks import TRACK, TRACK_TRANSITIONS, track_change_stage, track_move, tracks_ensure, tracks_move_bulk
from .tumours import tumour_record, tumour_update

__all__ = [
    "COURSE",
    "COURSE_TRANSITIONS",
    "INVESTIGATION",
    "INVESTIGATION_TRANSITIONS",
    "TRACK",
    "TRACK_TRANSITIONS",
    "ItemSpec",
    "acknowledgement_due",
    "assessment_record_criterion",
    "assessment_update",
    "course_create",
    "course_transition",
    "criteria_met",
    "investigation_acknowledge",
    "investigation_book",
    "investigation_cancel",
    "investigation_mark_done",
    "investigation_record_result",
    "investigation_request",
    "investigation_step",
    "investigation_steps",
    "investigations_flag_unacknowledged",
    "relapse_record",
    "relapse_update",
    "result_path",
    "scale_create",
    "scale_is_locked",
    "scale_revise",
    "score_record",
    "symptom_report_review",
    "symptom_report_submit",
    "track_change_stage",
    "track_move",
    "tracks_ensure",
    "tracks_move_bulk",
    "tumour_record",
    "tumour_update",
]
