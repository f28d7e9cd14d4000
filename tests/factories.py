import datetime

import factory
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team, User
from apps.patients.models import CareTeamMember, Guardian, Patient
from apps.patients.nhs_number import nhs_check_digit

PASSWORD = "test-password-123"


def valid_nhs_number(n: int) -> str:
    while True:
        first_nine = f"{n:09d}"[-9:]
        check = nhs_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)
        n += 1


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = Team.Code.NURSING
    name = factory.LazyAttribute(lambda o: Team.Code(o.code).label)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    kind = User.Kind.STAFF
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    kind = User.Kind.STAFF

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create:
            profile = StaffProfile.objects.create(
                user=obj, role=extracted or StaffProfile.Role.NURSE_SPECIALIST
            )
            for code in kwargs.get("teams", []):
                profile.teams.add(TeamFactory(code=code))


class FamilyFactory(UserFactory):
    kind = User.Kind.FAMILY


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    hospital_number = factory.Sequence(lambda n: f"H{100000 + n}")
    nhs_number = factory.Sequence(lambda n: valid_nhs_number(900_000_000 + n * 13))
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3 * 365))
    status = Patient.Status.ACTIVE


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    patient = factory.SubFactory(PatientFactory)
    user = factory.SubFactory(FamilyFactory)
    relationship = Guardian.Relationship.MOTHER


class CareTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamMember

    patient = factory.SubFactory(PatientFactory)
    user = factory.SubFactory(StaffFactory)
    role = StaffProfile.Role.NURSE_SPECIALIST
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
