"""The neuropsychology card on the pathway page: results by domain over time, chart and table."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from apps.accounts.models import User
from apps.pathways.sections import pathway_section
from apps.patients.models import Patient

from . import selectors
from .chart import domains_chart_svg


@pathway_section("neuropsychology")
def neuropsychology_card(user: User, patient: Patient) -> SafeString | str:
    assessments = selectors.record_assessments(patient)
    rows = selectors.results_by_domain(assessments)
    context = {
        "patient": patient,
        "domain_rows": rows,
        "latest": assessments[0] if assessments else None,
        "chart_svg": mark_safe(domains_chart_svg(rows, table_id="pathway-neuropsych-table")),  # escaped SVG
        "table_id": "pathway-neuropsych-table",
    }
    return render_to_string("neuropsych/_pathway_card.html", context)
