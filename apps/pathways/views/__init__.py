"""The consultant's pathway review page and its htmx forms. Thin: services write, selectors read.

``actions``: the table of what the page can write, each row naming its service call.
``page``: the page's context, offering each item's actions from its state table.
``pathway``: the views.
"""

from .pathway import pathway_action, pathway_review, pathway_timeline

__all__ = ["pathway_action", "pathway_review", "pathway_timeline"]
