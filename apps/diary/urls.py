from django.urls import path

from . import views

app_name = "diary"

urlpatterns = [
    path("patients/<int:pk>/diary/", views.staff_diary, name="staff"),
    path("portal/children/<int:pk>/diary/", views.family_diary, name="family"),
]
