from django.urls import path

from . import views

app_name = "pathways"

urlpatterns = [
    path("patients/<int:pk>/pathway/", views.pathway_review, name="review"),
    path("patients/<int:pk>/pathway/timeline/", views.pathway_timeline, name="timeline"),
    path("patients/<int:pk>/pathway/<slug:action>/", views.pathway_action, name="action"),
    path("patients/<int:pk>/pathway/<slug:action>/<int:obj_pk>/", views.pathway_action, name="object_action"),
]
