from django.urls import path

from . import views

app_name = "emergency_plans"

urlpatterns = [
    path("patients/<int:pk>/emergency-plan/", views.plan, name="plan"),
    path("patients/<int:pk>/emergency-plan/prepare/", views.prepare, name="prepare"),
    path("patients/<int:pk>/emergency-plan/approve/", views.approve, name="approve"),
    path("patients/<int:pk>/emergency-plan/plan.pdf", views.staff_pdf, name="staff_pdf"),
    path("patients/<int:pk>/emergency-plan/wallet-card.pdf", views.staff_card, name="staff_card"),
    path("portal/children/<int:pk>/emergency-plan/", views.family_plan, name="family_plan"),
    path("portal/children/<int:pk>/emergency-plan/plan.pdf", views.family_pdf, name="family_pdf"),
    path("portal/children/<int:pk>/emergency-plan/wallet-card.pdf", views.family_card, name="family_card"),
]
