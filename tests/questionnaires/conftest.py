"""A fake watch answer for the questionnaire tests: ``apps.watch`` (another app) registers the real
one; here a test opens a watch by adding a child to ``watching``. The previous answers are restored."""

import datetime
from collections.abc import Iterable, Iterator

import pytest
from django.utils import timezone

from apps.questionnaires.models import Questionnaire
from carecoord import watch
from carecoord.watch import WatchState

from .demo_rows import demo_questionnaire_row


class FakeWatch:
    def __init__(self) -> None:
        self.watching: dict[int, WatchState] = {}
        self.calls = 0

    def open(self, patient_id: int, reason: str = "Weaning prednisolone", days: int = 14) -> None:
        self.watching[patient_id] = WatchState(reason, timezone.localdate() + datetime.timedelta(days=days))

    def active(self, ids: Iterable[int], on: datetime.date) -> dict[int, WatchState]:
        self.calls += 1
        wanted = set(ids)
        return {pk: state for pk, state in self.watching.items() if pk in wanted}

    def in_watch(self, on: datetime.date) -> set[int]:
        self.calls += 1
        return set(self.watching)


@pytest.fixture(autouse=True)
def fake_watch() -> Iterator[FakeWatch]:
    before = watch._answers
    fake = FakeWatch()
    watch.register(active=fake.active, in_watch=fake.in_watch)
    yield fake
    watch._answers = before


@pytest.fixture
def demo_questionnaire(db) -> Questionnaire:  # type: ignore[no-untyped-def]
    """The migration's demo questionnaire (max 15, threshold 4)."""
    return demo_questionnaire_row()
