"""Our own SML/SMP lookup against a loopback SML zone and SMP (see conftest): registered on
0208, only on 9925, not registered, an SMP in trouble, a DNS that does not answer."""

import json
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from apps.peppol import lookup
from tests.peppol.conftest import CREDIT_NOTE, INVOICE


def test_a_company_registered_on_0208_receives_invoices_and_credit_notes(peppol_network):
    sml, smp = peppol_network
    sml.register("0208:0403170701", smp.url)
    smp.document_types["0208:0403170701"] = [INVOICE, CREDIT_NOTE]
    found = lookup.company_check(enterprise_number="0403170701", vat_number="BE0403170701")
    assert found.registered is True
    assert found.participant == "0208:0403170701"
    assert found.document_types == (INVOICE, CREDIT_NOTE)
    assert found.smp == smp.url
    assert found.checked_at is not None


def test_a_company_registered_only_on_9925_is_found_there(peppol_network):
    sml, smp = peppol_network
    sml.register("9925:BE0765432146", smp.url)  # the identifier's case does not matter
    smp.document_types["9925:be0765432146"] = [INVOICE]
    found = lookup.company_check(enterprise_number="0765432146", vat_number="BE0765432146")
    assert (found.registered, found.participant) == (True, "9925:be0765432146")


def test_a_company_on_neither_is_not_on_peppol(peppol_network):
    found = lookup.company_check(enterprise_number="0812345603", vat_number="BE0812345603")
    assert found.registered is False


def test_a_participant_its_smp_does_not_know_is_not_on_peppol(peppol_network):
    sml, smp = peppol_network
    sml.register("0208:0812345603", smp.url)  # left in the SML by an access point
    assert lookup.participant_check("0208:0812345603").registered is False


def test_an_smp_in_trouble_is_unknown_and_asked_again_minutes_later(peppol_network):
    sml, smp = peppol_network
    sml.register("0208:0403170701", smp.url)
    smp.broken.add("0208:0403170701")
    found = lookup.participant_check("0208:0403170701")
    assert found.registered is None
    assert found.problem == "SMP: HTTP 500"
    smp.broken.clear()
    smp.document_types["0208:0403170701"] = [INVOICE]
    assert lookup.participant_check("0208:0403170701").registered is None  # minutes ago
    later = timezone.now() + timedelta(seconds=lookup.UNKNOWN_SECONDS + 1)
    with time_machine.travel(later):
        assert lookup.participant_check("0208:0403170701").registered is True


def test_a_dns_that_does_not_answer_is_unknown_never_not_registered(silent_dns, monkeypatch):
    monkeypatch.setattr(lookup, "DNS_SECONDS", 0.3)
    found = lookup.company_check(enterprise_number="0403170701", vat_number="BE0403170701")
    assert found.registered is None
    assert found.participant == "0208:0403170701"  # not concluded from 9925 either
    assert found.problem.startswith("DNS: ")


def test_an_smp_over_plain_http_elsewhere_than_this_computer_is_not_trusted(peppol_network):
    sml, _smp = peppol_network
    sml.register("0208:0403170701", "http://smp.example/")
    found = lookup.participant_check("0208:0403170701")
    assert (found.registered, found.problem) == (None, "SMP: not HTTPS")


def test_a_verdict_is_kept_for_hours_with_the_time_it_was_checked(peppol_network):
    sml, smp = peppol_network
    sml.register("0208:0403170701", smp.url)
    smp.document_types["0208:0403170701"] = [INVOICE]
    first = lookup.participant_check("0208:0403170701")
    asked = sml.questions
    again = lookup.participant_check("0208:0403170701")
    assert sml.questions == asked
    assert again == first


@pytest.mark.parametrize("registered", [True, False])
def test_the_command_prints_the_verdict_as_json(peppol_network, registered):
    sml, smp = peppol_network
    if registered:
        sml.register("0208:0403170701", smp.url)
        smp.document_types["0208:0403170701"] = [INVOICE]
    out = StringIO()
    call_command("peppol", "lookup", "0208:0403170701", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["participant"] == "0208:0403170701"
    assert printed["registered"] is registered
    assert printed["document_types"] == ([INVOICE] if registered else [])
    assert printed["checked_at"]
