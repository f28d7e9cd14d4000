"""Prepare the test provider's database: ``python -m tests.oidc_idp.seed '<json>'`` with
DJANGO_SETTINGS_MODULE=tests.oidc_idp.settings. The JSON gives the client (id, secret, redirect
URI) and the users (email, password, name, groups)."""

import json
import sys


def main(spec: dict) -> None:
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    client = spec["client"]
    Application.objects.create(
        name="CareCoord",
        client_id=client["id"],
        client_secret=client["secret"],
        redirect_uris=client["redirect_uri"],
        post_logout_redirect_uris=client.get("post_logout_redirect_uri", ""),
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,  # the consent page is part of the journey under test
    )
    for person in spec["users"]:
        first, _, last = person["name"].partition(" ")
        user = User.objects.create_user(
            username=person["email"],
            email=person["email"],
            password=person["password"],
            first_name=first,
            last_name=last,
        )
        for name in person.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
