from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("patients/<int:pk>/appointments/", views.appointments, name="appointments"),
    path("patients/<int:pk>/appointments/book/", views.book, name="book"),
    path("appointments/<int:pk>/<slug:action>/", views.appointment_act, name="act"),
    path("patients/<int:pk>/series/new/", views.series_new, name="series_new"),
    path("series/<int:pk>/", views.series_detail, name="series"),
    path("series/<int:pk>/stop/", views.series_stop, name="series_stop"),
    path("series/<int:pk>/appointments/<int:appointment_pk>/move/", views.series_move, name="series_move"),
    path("schedule/", views.clinic, name="clinic"),
    path("schedule/overdue-reviews/", views.overdue_reviews, name="overdue_reviews"),
    path("schedule/calendar/", views.my_calendar, name="my_calendar"),
    path("schedule/calendar/new-link/", views.my_calendar_regenerate, name="my_calendar_regenerate"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="feed"),
]
