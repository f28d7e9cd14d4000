"""Integration fixtures: a real Celery worker, in a thread of this test process, on the real Redis.

Every xdist worker has its own test database but all of them share one Redis, so each one
publishes to and consumes from its own queue (``carecoord-test-gw0-<pid>``). Otherwise gw1's
worker thread could take gw0's task and look the row up in the wrong database. The pid keeps
two test runs on one machine (and one Redis) apart as well; the queue is deleted afterwards.

The worker thread needs committed rows, so tests that use it run with ``transactional_db``
(the ``celery_worker`` fixture pulls it in).
"""

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import setup_logging, task_postrun
from django.db import connections

from carecoord.celery import app as celery_app

WAIT_SECONDS = 20.0


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    """Poll ``condition`` until it holds; fail the test (not hang) when the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Point the app's publishing side at ``url`` and put the previous broker back afterwards.

    The app caches its connection pool and producer pool; ``_after_fork`` is Celery's own
    reset of both (it is what a forked child calls), so the next publish connects to ``url``.
    The pools of the original broker stay open in kombu's registry and come back on restore.
    """
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._after_fork()
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        celery_app._after_fork()


@dataclass(frozen=True)
class TaskRun:
    name: str
    args: tuple[Any, ...]
    retval: Any
    state: str | None


class WorkerProbe:
    """The in-process worker, as the tests see it: its queue and every task run it finished."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self._runs: list[TaskRun] = []
        self._lock = threading.Lock()

    def record(self, run: TaskRun) -> None:
        with self._lock:
            self._runs.append(run)

    def runs(self, name: str, args: tuple[Any, ...] | None = None) -> list[TaskRun]:
        with self._lock:
            return [r for r in self._runs if r.name == name and (args is None or r.args == args)]

    def wait_for_runs(self, name: str, count: int, args: tuple[Any, ...] | None = None) -> list[TaskRun]:
        wait_until(lambda: len(self.runs(name, args)) >= count, f"{count} finished run(s) of {name}{args}")
        return self.runs(name, args)


def _delete_queue(name: str) -> None:
    """Remove the queue, its messages and its binding from Redis (kombu needs the binding in hand)."""
    with celery_app.connection_for_write() as conn:
        queue = celery_app.amqp.queues[name](conn.default_channel)
        queue.declare()
        queue.delete()


def _leave_logging_alone(**kwargs: Any) -> None:
    """A ``setup_logging`` receiver: Celery then keeps its hands off pytest's root logger."""


@pytest.fixture
def celery_worker(require_redis: str, transactional_db: None, worker_id: str) -> Iterator[WorkerProbe]:
    """A real Celery worker (two threads) consuming this xdist worker's own queue on Redis."""
    queue = f"carecoord-test-{worker_id}-{os.getpid()}"
    probe = WorkerProbe(queue)

    def on_task_postrun(
        sender: Any = None, args: Any = None, retval: Any = None, state: Any = None, **kw: Any
    ) -> None:
        # This runs in the worker thread that ran the task. Close that thread's database
        # connections so the test database can be flushed and dropped afterwards.
        connections.close_all()
        probe.record(TaskRun(sender.name, tuple(args or ()), retval, state))

    previous_queue = celery_app.conf.task_default_queue
    task_postrun.connect(on_task_postrun, weak=False)
    setup_logging.connect(_leave_logging_alone, weak=False)
    try:
        with broker_at(require_redis):
            celery_app.conf.task_default_queue = queue  # where .delay() and apply_async() publish
            try:
                with start_worker(
                    celery_app,
                    pool="threads",
                    concurrency=2,
                    perform_ping_check=False,
                    queues=[queue],
                    hostname=f"{queue}@localhost",
                    shutdown_timeout=WAIT_SECONDS,
                ):
                    yield probe
            finally:
                _delete_queue(queue)
    finally:
        celery_app.conf.task_default_queue = previous_queue
        setup_logging.disconnect(_leave_logging_alone)
        task_postrun.disconnect(on_task_postrun)
