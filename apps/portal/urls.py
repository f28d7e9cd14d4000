from django.urls import path

from . import updates, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("children/<int:pk>/", views.child, name="child"),
    path(
        "children/<int:pk>/appointments/<int:appointment_pk>/confirm/",
        views.appointment_confirm,
        name="appointment_confirm",
    ),
    path(
        "children/<int:pk>/appointments/<int:appointment_pk>/cant-make-it/",
        views.appointment_cant_make_it,
        name="appointment_cant_make_it",
    ),
    path("children/<int:pk>/symptoms/", views.symptoms, name="symptoms"),
    path("children/<int:pk>/symptoms/sent/", views.symptoms_sent, name="symptoms_sent"),
    path("updates/", updates.updates, name="updates"),
    path("account/", views.account, name="account"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path("invite/<slug:token>/", views.invite, name="invite"),
]
