from django.urls import path

from . import views

app_name = "caseload"

urlpatterns = [path("caseload/", views.home, name="home")]
