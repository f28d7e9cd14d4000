"""The consultant's severity chart draws what the real family-data apps hold (diary, questionnaires,
videos), not only a stand-in provider: each app registers its layer at start-up, and the demo's own
records come through on the pathway page as links that open the item."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.diary.models import DiaryEntry
from apps.patients.access import visible_patients
from apps.questionnaires.models import QuestionnaireResponse
from apps.videos.models import Video
from carecoord import family_layers

SVG = "{http://www.w3.org/2000/svg}"


def test_every_family_data_app_registers_its_chart_layer():
    names = {f"{p.__module__}.{p.__qualname__}" for p in family_layers._providers}
    assert {
        "apps.diary.layers.diary_layers",
        "apps.questionnaires.layers.questionnaire_points",
        "apps.videos.layers.video_markers",
    } <= names


@pytest.mark.django_db
def test_the_demo_familys_diary_answers_and_video_are_on_the_consultants_chart(client):
    call_command("seed_demo")
    consultant = User.objects.get(email="neurologist@carecoord.example")
    visible = visible_patients(consultant)
    answered = set(QuestionnaireResponse.objects.values_list("patient_id", flat=True))
    child = visible.filter(pk__in=DiaryEntry.objects.values("patient_id")).first()
    questioned = visible.filter(pk__in=answered).first()
    assert child is not None and questioned is not None
    guardian = child.guardians.filter(is_active=True).select_related("user").first()
    video = Video.objects.create(
        patient=child,
        uploaded_by=guardian.user,
        note="Eyes darting after her nap",
        status=Video.Status.READY,
        uploaded_type="video/mp4",
        uploaded_size=1000,
        sha256="0" * 64,
        playable_name="videos/playable.mp4",  # no file is read: the chart links to the page
        playable_type="video/mp4",
        ready_at=timezone.now(),
    )
    client.force_login(consultant)

    page = client.get(f"/patients/{child.pk}/pathway/").content.decode()

    svg = re.search(r"<svg[^>]*class=\"[^\"]*severity-chart.*?</svg>", page, re.S)
    assert svg, "no severity chart on the page"
    root = ET.fromstring(svg.group(0))
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    diary_days = [r for r in root.iter(f"{SVG}rect") if "diary-day" in (r.get("class") or "")]
    assert len(diary_days) == DiaryEntry.objects.filter(patient=child).count() > 0  # the band: a cell a day
    assert f"/patients/{child.pk}/diary/#day-" in page  # and the text table links each day
    assert f"/patients/{child.pk}/videos/#video-{video.pk}" in links
    other = client.get(f"/patients/{questioned.pk}/pathway/").content.decode()
    points = re.findall(r'<a href="([^"]*)"[^>]*class="questionnaire-point"', other)
    assert len(points) == QuestionnaireResponse.objects.filter(patient=questioned).count(), points
    assert "Eyes darting after her nap" in page  # the text table lists the family data too
