from django.urls import path

from . import views

app_name = "neuropsych"

urlpatterns = [
    path("patients/<int:pk>/neuropsychology/", views.neuropsych_page, name="page"),
    path("patients/<int:pk>/neuropsychology/school/", views.school_support, name="school_support"),
    path("patients/<int:pk>/neuropsychology/school-letters/", views.letter_draft, name="letter_draft"),
    path(
        "patients/<int:pk>/neuropsychology/school-letters/<int:letter_pk>/",
        views.letter_detail,
        name="letter",
    ),
    path(
        "patients/<int:pk>/neuropsychology/school-letters/<int:letter_pk>/release/",
        views.letter_release,
        name="letter_release",
    ),
]
