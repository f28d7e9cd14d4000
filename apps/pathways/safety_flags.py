"""Safety flags: plain-words warnings from the guards in docs/safety/hazard-log.md, for the caseload rows
and the pathway page.

Each app registers a source with ``@safety_flag_source``: a function taking a list of child ids and
returning their flags in a fixed number of queries, however many children there are. Apps that
depend on pathways (scheduling, for example) add theirs, so this file does not change as guards grow.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SafetyFlag:
    text: str  # plain words, e.g. "No review booked within 6 weeks of the IVIG course"
    level: str = "warning"  # "warning", or "danger" when it is already overdue
    anchor: str = ""  # where on the pathway page it is explained, e.g. "courses"


FlagSource = Callable[[list[int]], dict[int, list[SafetyFlag]]]
_SOURCES: dict[str, FlagSource] = {}


def safety_flag_source(name: str) -> Callable[[FlagSource], FlagSource]:
    """Register a source of safety flags (a fixed number of queries per call, please)."""

    def register(source: FlagSource) -> FlagSource:
        _SOURCES[name] = source
        return source

    return register


def safety_flags(patient_ids: Iterable[int]) -> dict[int, list[SafetyFlag]]:
    """Every registered source's flags for these children, by child id (no entry: nothing flagged)."""
    ids = list(patient_ids)
    flags: dict[int, list[SafetyFlag]] = {}
    if not ids:
        return flags
    for source in _SOURCES.values():
        for patient_id, found in source(ids).items():
            flags.setdefault(patient_id, []).extend(found)
    return flags
