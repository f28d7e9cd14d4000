from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from . import absence_views, token_views, views
from .security import views as two_factor_views

app_name = "accounts"

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="staff_login"),
    path("portal/login/", views.FamilyLoginView.as_view(), name="family_login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/", token_views.staff_account, name="account"),
    path("account/absence/", absence_views.my_absence, name="absence"),
    path("account/absence/<int:pk>/withdraw/", absence_views.absence_withdraw_view, name="absence_withdraw"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("account/two-step/", two_factor_views.manage, name="two_factor"),
    path("account/two-step/set-up/", two_factor_views.setup, name="two_factor_setup"),
    path("account/two-step/code/", two_factor_views.verify, name="two_factor_verify"),
    path("account/two-step/backup-codes/", two_factor_views.backup_codes, name="backup_codes"),
    path("account/two-step/backup-codes/new/", two_factor_views.new_backup_codes, name="new_backup_codes"),
    path("account/two-step/turn-off/", two_factor_views.turn_off, name="two_factor_off"),
]

if settings.OIDC_ENABLED:  # single sign-on: no route at all while it is off
    from .security import sso_views

    urlpatterns += [
        path("sso/start/", sso_views.SignOnStartView.as_view(), name="sso_start"),
        path("sso/callback/", sso_views.SignOnCallbackView.as_view(), name="sso_callback"),
    ]
