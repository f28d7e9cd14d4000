"""Demo data steps. Each app's ``demo.py`` registers how it seeds itself; ``seed_demo`` finds them with
Django's ``autodiscover_modules("demo")`` and runs them in dependency order, so no module imports
every app.

A step ``uses`` the steps whose results it takes (passed in that order as arguments) and may run
``after`` others it needs without taking their result. Steps are idempotent: a second run adds nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from carecoord.attention import attention_deferred


@dataclass(frozen=True)
class DemoStep:
    name: str
    seed: Callable[..., Any]
    uses: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


_steps: dict[str, DemoStep] = {}


def register(
    name: str, seed: Callable[..., Any], *, uses: Iterable[str] = (), after: Iterable[str] = ()
) -> None:
    _steps[name] = DemoStep(name, seed, tuple(uses), tuple(after))


def ordered_steps(steps: dict[str, DemoStep] | None = None) -> list[DemoStep]:
    """Every step after the ones it uses or follows; otherwise in registration (INSTALLED_APPS) order."""
    steps = _steps if steps is None else steps
    done: dict[str, DemoStep] = {}
    visiting: set[str] = set()

    def visit(step: DemoStep) -> None:
        if step.name in done:
            return
        if step.name in visiting:
            raise ImproperlyConfigured(f"Demo steps depend on each other in a circle at {step.name!r}.")
        visiting.add(step.name)
        for name in (*step.uses, *step.after):
            if name not in steps:
                raise ImproperlyConfigured(
                    f"Demo step {step.name!r} needs {name!r}, which is not registered."
                )
            visit(steps[name])
        visiting.discard(step.name)
        done[step.name] = step

    for step in steps.values():
        visit(step)
    return list(done.values())


def run_all() -> dict[str, Any]:
    """Run every registered step once, in order; return each step's result by name. The stored
    attention scores of the children the steps changed are recomputed once, at the end."""
    results: dict[str, Any] = {}
    with attention_deferred():
        for step in ordered_steps():
            results[step.name] = step.seed(*(results[name] for name in step.uses))
    return results
