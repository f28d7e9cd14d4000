"""Query-parameter filters for list endpoints: django-filter, the project's default filter backend.

A list endpoint declares a ``FilterSet`` (``filterset_class``) and reads through
``self.filter_queryset(self.get_queryset())``. A bad value is refused by DjangoFilterBackend with a DRF
ValidationError, which the one exception handler turns into a 400 in the one error shape. These filters
keep the plain-words messages the API has always given (DRF's wording, not Django forms').

When a selector owns a list's read (its scope, ordering, defaults and joins), the FilterSet is a
``SelectorFilterSet``: it checks the parameters and hands the cleaned values to that selector, so the
scope and the query count stay where they are tested.
"""

from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import viewsets

INVALID_CHOICE = '"%(value)s" is not a valid choice.'


class ChoiceFilter(django_filters.ChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": INVALID_CHOICE})
        super().__init__(*args, **kwargs)


class TypedChoiceFilter(django_filters.TypedChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": INVALID_CHOICE})
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A whole number, such as a team or a child's id."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": "A valid integer is required."})
        super().__init__(*args, **kwargs)


class DateFilter(django_filters.DateFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault(
            "error_messages",
            {"invalid": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."},
        )
        super().__init__(*args, **kwargs)


class SelectorFilterSet(django_filters.FilterSet):
    """A list read by a selector. The view calls ``self.filter_queryset(Model.objects.none())``: the
    queryset only names the model, and ``select`` returns the selector's answer for the checked values
    (a value left out is None or blank)."""

    select: Callable[..., QuerySet]  # select(user, **cleaned values), defined by each subclass

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.select(self.request.user, **self.form.cleaned_data)


class ListFilteredViewSet(viewsets.GenericViewSet):
    """A viewset whose ``filterset_class`` describes its list only: ``get_object`` (one item and its
    actions) reads the plain scope, never narrowed by the list's query parameters."""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)
