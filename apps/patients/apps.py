from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "apps.patients"
    label = "patients"

    def ready(self) -> None:
        # tasks, notifications and audit scope their rows by child without importing patients.
        from carecoord import patient_scope

        from . import access

        patient_scope.register(
            visible=access.visible_patients,
            routine=access.routinely_visible_patients,
            bases=access.access_bases,
        )
