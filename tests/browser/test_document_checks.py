"""Issue 12 point 3 in a real browser: a supplier's e-invoice seen by its buyer, in French.

What the buyer can fix is said at the top with a link to the field, the rules only the
supplier can fix are in collapsed technical details, and the verdict is the stored one."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from apps.documents.services import document_assess
from tests.browser.conftest import log_in, screenshot
from tests.documents.helpers import from_an_unreachable_seller

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_received_invoice_tells_the_buyer_what_they_can_fix(
    live_server, browser_page, company, owner
):
    from tests import factories

    source = from_an_unreachable_seller().replace(b"CH1232434", b"1232434")  # BR-CO-09
    with company_scope(company):
        document = factories.DocumentFactory(
            company=company,
            status=Document.Status.READING,
            file_kind="xml",
            xml=ContentFile(source, name="invoice.xml"),
            xml_is_ubl=True,
            counterparty_name="SupplierTradingName Ltd.",
            number="Snippet1",
            issue_date=datetime.date(2017, 11, 13),
            total_incl_vat=Decimal("1656.25"),
        )
        document_assess(document=document)
    owner.language = "fr"
    owner.save()
    page = browser_page
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/c/{company.public_id}/documents/{document.public_id}/")
    main = page.locator("main")
    text = main.inner_text()
    assert "L'UBL pour votre comptable n'est pas encore valide." in text
    assert "L'adresse Peppol du fournisseur n'est pas connue" in text
    assert "Votre adresse électronique" not in text
    technical = page.locator("details.technical")
    assert technical.get_attribute("open") is None  # collapsed
    assert not page.locator("details.technical li").first.is_visible()
    screenshot(page, "document-checks-buyer-fr")
    page.click("a[href='#id_counterparty_enterprise_number']")
    assert page.locator("#id_counterparty_enterprise_number").is_visible()
    technical.locator("summary").click()
    assert "BR-CO-09" in technical.inner_text()
    screenshot(page, "document-checks-buyer-fr-technical")
    assert page.console_errors == []
