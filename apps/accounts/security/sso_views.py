"""The two single sign-on pages (only routed when ``OIDC_ENABLED``): start, which sends the browser
to the identity provider, and the callback it comes back to. mozilla-django-oidc does the protocol
(state, nonce, PKCE, the code exchange); sso.py decides who gets in."""

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import sso

logger = logging.getLogger("carecoord.security")

PROVIDER_UNAVAILABLE = (
    "Single sign-on is not answering at the moment. Try again in a few minutes; if it keeps "
    "happening, contact your IT service desk."
)

CANCELLED = "Single sign-on did not finish, so you are not logged in. You can try again."


class SignOnStartView(OIDCAuthenticationRequestView):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso.provider().authorization_endpoint
        except requests.RequestException:
            logger.exception("Single sign-on discovery failed")
            messages.error(request, PROVIDER_UNAVAILABLE)
            return OIDCAuthenticationCallbackView(request=request).login_failure()
        response: HttpResponse = super().get(request)
        return response


class SignOnCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("error"):  # cancelled at the provider, or the provider refused
            logger.warning("Single sign-on ended at the provider: %s", request.GET.get("error"))
            messages.error(request, CANCELLED)
        try:
            response: HttpResponse = super().get(request)
        except requests.RequestException:
            logger.exception("Single sign-on: the provider did not answer the code exchange")
            messages.error(request, PROVIDER_UNAVAILABLE)
            return self.login_failure()
        return response

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        sso.sign_on_verified(self.request, self.user)
        return response
