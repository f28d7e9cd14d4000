"""Extra cards on the pathway page from apps above pathways (neuropsychology results, say).

An app registers a renderer with ``@pathway_section``: it takes the viewer and the child (already
resolved through ``visible_patients`` by the page) and returns escaped HTML, or "" to show nothing.
The page is audited once as a pathway read, so a section writes no AccessEvent of its own.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString

from apps.accounts.models import User
from apps.patients.models import Patient

SectionRenderer = Callable[[User, Patient], SafeString | str]
_SECTIONS: dict[str, SectionRenderer] = {}


def pathway_section(name: str) -> Callable[[SectionRenderer], SectionRenderer]:
    def register(renderer: SectionRenderer) -> SectionRenderer:
        _SECTIONS[name] = renderer
        return renderer

    return register


def render_sections(user: User, patient: Patient) -> list[SafeString | str]:
    return [html for html in (render(user, patient) for render in _SECTIONS.values()) if html]
