"""Who is reading: a member of staff or a family (their session or token), or an integration client.

A client reads as its service user (so the audit names it) but its scope is its teams' children
(``visible_patients_for_teams``), never the service user's own (which is empty everywhere else).
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from apps.accounts import roles
from apps.accounts.types import AnyUser
from apps.patients.access import (
    clinical_record_patient_ids,
    clinical_record_patients,
    visible_patient_ids,
    visible_patients,
    visible_patients_for_teams,
)
from apps.patients.models import Patient

from .models import IntegrationClient


@dataclass(frozen=True)
class Reader:
    user: AnyUser
    client: IntegrationClient | None = None
    team_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, user: AnyUser, client: IntegrationClient | None = None) -> "Reader":
        if client is None:
            return cls(user)
        return cls(user, client, tuple(client.teams.values_list("pk", flat=True)))

    @property
    def is_system(self) -> bool:
        return self.client is not None

    @property
    def sees_directory(self) -> bool:
        """Staff and clients read the staff and team directory; families do not."""
        return self.is_system or roles.staff_role(self.user) is not None

    @property
    def is_family(self) -> bool:
        return not self.is_system and roles.is_family(self.user)

    def patients(self) -> QuerySet[Patient]:
        if self.client is not None:
            return visible_patients_for_teams(self.team_ids)
        return visible_patients(self.user)

    def clinical_patients(self) -> QuerySet[Patient]:
        """The clinical record: staff and clients, never families."""
        if self.client is not None:
            return self.patients()
        return clinical_record_patients(self.user)

    def patient_ids(self) -> QuerySet[Any]:
        """``patients()`` as one column of ids, for ``patient__in=`` on another table."""
        if self.client is not None:
            return visible_patients_for_teams(self.team_ids).values_list("pk")
        return visible_patient_ids(self.user)

    def clinical_patient_ids(self) -> QuerySet[Any]:
        """``clinical_patients()`` as one column of ids."""
        if self.client is not None:
            return self.patient_ids()
        return clinical_record_patient_ids(self.user)
