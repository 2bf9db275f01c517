"""Start, and a company whose failed payment's grace is over, collect nothing by themselves:
the upload page, the API, the forwarding address, mailboxes and cloud folders say so (or
refuse with the reason), and nothing is lost; e-invoices over Peppol and sales go on. A
staff override gives the plan it names."""

import datetime
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.billing.entitlements import collection_allowed, effective_plans
from apps.billing.models import Plan, PlanOverride, Subscription
from apps.companies.scoping import all_companies, company_scope
from apps.documents.models import Document, Source
from apps.documents.services import document_ingest
from apps.inbox import scanning, tasks
from apps.inbox.forwarding import forwarded_message_receive, forwarding_address_create
from apps.inbox.models import CloudFolder, InboundMessage, Mailbox
from tests import factories
from tests.inbox import mails
from tests.samples import PDF

pytestmark = pytest.mark.django_db


def overdue(company) -> None:
    """``company`` on Collect 25 whose failed payment's grace period ended yesterday."""
    factories.collecting(company)
    with company_scope(company):
        Subscription.objects.create(
            company=company,
            status=Subscription.Status.PAST_DUE,
            plan=company.plan,
            payment_failed_at=timezone.now() - datetime.timedelta(days=15),
            grace_until=timezone.now() - datetime.timedelta(days=1),
        )


def _url(company, name: str) -> str:
    return reverse(name, kwargs={"company_id": company.public_id})


def _documents(company) -> int:
    with company_scope(company):
        return Document.objects.count()


def test_the_start_plan_shows_an_upgrade_notice_instead_of_the_upload_form(
    company, owner, member, client_for
):
    # given a company on Start
    client = client_for(owner)
    # when the owner opens the upload page
    page = client.get(_url(company, "documents:document-upload")).content.decode()
    # then the notice says why, with where to choose a plan, and there is no form
    assert 'id="collection-paused"' in page
    assert "Your plan Start does not collect documents" in page
    assert "Choose a plan" in page
    assert 'type="file"' not in page
    # a member is told who can choose one
    page = client_for(member).get(_url(company, "documents:document-upload")).content.decode()
    assert "The company's owners can choose a plan." in page
    # and a file posted all the same is refused, nothing kept
    response = client.post(
        _url(company, "documents:document-upload"), {"uploads": [SimpleUploadedFile("a.pdf", PDF)]}
    )
    assert response.status_code == 403
    assert _documents(company) == 0


def test_an_overdue_payment_pauses_uploads_and_says_why(company, owner, client_for):
    overdue(company)
    page = client_for(owner).get(_url(company, "documents:document-upload")).content.decode()
    assert "a payment for your plan is overdue and its grace period has ended" in page
    assert "Pay and resume" in page
    dashboard = client_for(owner).get(_url(company, "companies:dashboard")).content.decode()
    assert 'id="collection-paused"' in dashboard
    assert "Plan: Start" in dashboard


def test_payment_within_its_grace_period_still_collects(company):
    overdue(company)
    with company_scope(company):
        Subscription.objects.update(grace_until=timezone.now() + datetime.timedelta(days=3))
        assert collection_allowed(company)


def test_a_staff_override_gives_start_the_plan_it_names(company, owner, client_for):
    with company_scope(company):
        PlanOverride.objects.create(
            company=company,
            plan=Plan.objects.get(code="collect-70"),
            reason="partner",
            ends_on=timezone.localdate() + datetime.timedelta(days=30),
        )
    page = client_for(owner).get(_url(company, "documents:document-upload")).content.decode()
    assert 'type="file"' in page
    dashboard = client_for(owner).get(_url(company, "companies:dashboard")).content.decode()
    assert "0 of 70 documents this month, 0 extra" in dashboard


def test_the_api_refuses_an_upload_with_402_and_the_reason(company, owner):
    client = APIClient()
    client.force_authenticate(owner)
    response = client.post(
        f"/api/v1/companies/{company.public_id}/documents/",
        {"files": [SimpleUploadedFile("a.pdf", PDF)]},
        format="multipart",
    )
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "collection_paused"
    assert body["reason"] == "plan"
    assert "does not collect documents" in body["detail"]
    assert _documents(company) == 0


def test_the_forwarding_address_refuses_mail_and_the_sender_keeps_it(company):
    # given a company on Start and its forwarding address
    with company_scope(company):
        address = forwarding_address_create(company=company).address
    # when an invoice is sent to it
    received = forwarded_message_receive(
        recipient=address, raw=mails.invoice_pdf("F-1"), envelope_sender="x@supplier.example"
    )
    # then it is refused (5xx at the SMTP receiver, the same words at the webhook), nothing kept
    assert not received.accepted
    assert received.reason == "collection_paused"
    with company_scope(company):
        assert not InboundMessage.objects.exists()


@contextmanager
def _never_connects():
    raise AssertionError("a paused company's mailbox was connected to")
    yield  # pragma: no cover


class _NeverListed:
    def list_files(self, *args, **kwargs):
        raise AssertionError("a paused company's cloud folder was listed")


def test_mailboxes_and_cloud_folders_are_not_scanned_while_paused(company):
    # given a company with a mailbox and a cloud folder whose payment is overdue
    overdue(company)
    mailbox = factories.MailboxFactory(company=company)
    folder = factories.CloudFolderFactory(company=company)
    # when they are scanned
    with company_scope(company):
        mail = scanning.mailbox_scan(mailbox=mailbox, connect=lambda account: _never_connects())
        files = scanning.cloud_folder_scan(folder=folder, client=_NeverListed())
        # then nothing was touched, and the next scan once paid takes what waits
        assert mail.paused
        assert files.paused
        assert Mailbox.objects.get(pk=mailbox.pk).last_scan_at is None
        assert CloudFolder.objects.get(pk=folder.pk).last_scan_at is None


def test_the_sweep_queues_no_scan_for_a_paused_company(company, other_company, monkeypatch):
    overdue(company)
    factories.collecting(other_company)
    paused = factories.MailboxFactory(company=company)
    running = factories.MailboxFactory(company=other_company)
    queued = []
    monkeypatch.setattr(tasks.mailbox_scan, "delay", lambda *args: queued.append(args))
    monkeypatch.setattr(tasks.cloud_folder_scan, "delay", lambda *args: queued.append(args))
    tasks.inbox_sweep()
    assert queued == [(other_company.pk, running.pk)]
    assert all(args[1] != paused.pk for args in queued)


def test_the_inbox_page_says_collection_is_paused_and_why(company, owner, client_for):
    with company_scope(company):
        forwarding_address_create(company=company)
    overdue(company)
    page = client_for(owner).get(_url(company, "inbox:overview")).content.decode()
    assert 'id="collection-paused"' in page
    assert 'id="forwarding-paused"' in page
    assert "a payment for your plan is overdue" in page


def test_peppol_and_sales_keep_working_on_start(company):
    with company_scope(company):
        for source in (Source.PEPPOL, Source.SALES):
            result = document_ingest(
                company=company, data=mails.pdf(source), filename="e.pdf", source=source
            )
            assert result.document is not None
    assert _documents(company) == 2


def test_the_plans_of_many_companies_are_read_in_a_few_queries(
    company, other_company, django_assert_max_num_queries
):
    # given an overdue company, one with an override, and twenty on their own plans
    overdue(company)
    with company_scope(other_company):
        PlanOverride.objects.create(
            company=other_company,
            plan=Plan.objects.get(code="collect-200"),
            reason="trial",
            ends_on=timezone.localdate(),
        )
    others = [factories.CompanyFactory(collecting=True) for _ in range(20)]
    companies = [company, other_company, *others]
    with all_companies(), django_assert_max_num_queries(4):
        plans = effective_plans(companies)
    assert plans[company.pk].code == "start"
    assert plans[other_company.pk].code == "collect-200"
    assert {plans[c.pk].code for c in others} == {"collect-25"}
