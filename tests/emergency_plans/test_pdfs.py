"""The plan as PDFs: an A4 plan and a two-sided wallet card (85.6 x 54 mm), each with the child's name
and the team's phone in its text (read back with pypdfium2)."""

import os
from pathlib import Path

import pypdfium2

from apps.emergency_plans import documents

from .conftest import TEAM_PHONE

MM = 72 / 25.4  # PDF points per millimetre


def _save_pngs(pdf: bytes, name: str) -> None:
    """With $CARECOORD_SCREENSHOTS set, each page as a PNG to look at (the PDF is what was tested)."""
    directory = os.environ.get("CARECOORD_SCREENSHOTS")
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    for i, page in enumerate(pypdfium2.PdfDocument(pdf)):
        page.render(scale=3 if "card" in name else 1.5).to_pil().save(Path(directory) / f"{name}-{i + 1}.png")


def _pages(pdf: bytes, name: str) -> tuple[list[tuple[float, float]], str]:
    _save_pngs(pdf, name)
    document = pypdfium2.PdfDocument(pdf)
    sizes = [tuple(page.get_size()) for page in document]
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return sizes, text


def test_the_plan_pdf_is_a4_with_the_childs_name_and_the_team_phone(cast, approved_plan):
    sizes, text = _pages(documents.plan_pdf(approved_plan, cast.child_a), "emergency-plan")
    assert all(abs(w - 210 * MM) < 1 and abs(h - 297 * MM) < 1 for w, h in sizes)
    assert cast.child_a.full_name in text
    assert TEAM_PHONE in text
    assert "Demo text" in text and "Steroid or ACTH treatment" in text


def test_the_wallet_card_is_credit_card_sized_front_and_back(cast, approved_plan):
    sizes, text = _pages(documents.card_pdf(approved_plan, cast.child_a), "wallet-card")
    assert len(sizes) == 2
    assert all(abs(w - 85.6 * MM) < 1 and abs(h - 54 * MM) < 1 for w, h in sizes)
    assert cast.child_a.full_name in text
    assert TEAM_PHONE in text
    assert "Demo text" in text


def test_the_family_downloads_are_pdfs_not_kept_by_caches(client, cast, approved_plan):
    client.force_login(cast.family_a)
    response = client.get(f"/portal/children/{cast.child_a.pk}/emergency-plan/wallet-card.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
