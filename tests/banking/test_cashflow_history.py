"""The past of the Cash flow page: each day's balance walked back from the account's newest
balance (reset at each statement's closing balance, so a missing statement shows as a step),
the movements booked since added, nothing before the first movement; money in and out per
month by category."""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile

from apps.banking.cashflow.history import daily_balances, history
from apps.banking.models import BankAccount, Match, Statement, StatementFile
from apps.companies.scoping import company_scope
from tests.banking import parties

D = Decimal
TODAY = datetime.date(2026, 11, 14)
RSZ = "BE63679026181108"
SUPPLIER_IBAN = "BE71096123456769"


def day(n: int) -> datetime.date:
    return datetime.date(2026, 11, n)


def test_daily_balances_walk_back_and_reset_at_checkpoints():
    days = [day(n) for n in range(1, 15)]
    net = {
        day(2): D("200"),
        day(3): D("-100"),
        day(7): D("1000"),
        day(10): D("-200"),
        day(12): D("300"),
    }
    found = daily_balances(days, {day(3): D("4250"), day(10): D("5000")}, net, day(1))
    assert found == [
        D("4150"),  # 1: 4,350 - 200
        D("4350"),  # 2: 4,250 + 100
        D("4250"),  # 3: the statement's closing (the walk said 4,200: one is missing)
        D("4200"),
        D("4200"),
        D("4200"),  # 6: 5,200 - 1,000
        D("5200"),
        D("5200"),
        D("5200"),  # 9: 5,000 + 200
        D("5000"),  # 10: the newest balance
        D("5000"),
        D("5300"),  # 12: booked since
        D("5300"),
        D("5300"),
    ]
    assert daily_balances(days, {}, net, None) == [None] * 14
    assert daily_balances(days, {day(10): D("1")}, {}, day(5))[:4] == [None] * 4


def _statement(company, bank, number: str, on: datetime.date, closing: str) -> None:
    kept = StatementFile(company=company, filename="s.cod", sha256="1" * 64, status="imported")
    kept.file.save("s.cod", ContentFile(b"test"), save=False)
    kept.save()
    Statement.objects.create(
        company=company,
        account=bank,
        file=kept,
        format="coda",
        number=number,
        date=on,
        closing_balance=D(closing),
    )


def test_history_of_an_account_and_its_months_by_category(company):
    invoice = parties.issued_invoice(company, "200.00")
    parties.purchase(company, "200.00", iban=SUPPLIER_IBAN)
    paid = parties.transaction(
        company, "200.00", name="Klant BV", iban="BE43068999999501", day=day(2)
    )
    parties.transaction(company, "-100.00", name="RSZ", iban=RSZ, day=day(3))
    parties.transaction(company, "1000.00", name="Iemand", iban="BE62510007547061", day=day(7))
    parties.transaction(company, "-200.00", name="Drukkerij", iban=SUPPLIER_IBAN, day=day(10))
    parties.transaction(company, "300.00", name="Bank", text="lening uitbetaling", day=day(12))
    parties.transaction(company, "-50.00", name="Own", iban="BE68539007547034", day=day(12))
    with company_scope(company):
        bank = BankAccount.objects.get(company=company)
        BankAccount.objects.filter(pk=bank.pk).update(balance=D("5000"), balance_date=day(10))
        _statement(company, bank, "90", day(3), "4250.00")
        Match.objects.create(
            company=company,
            transaction=paid,
            invoice=invoice,
            amount=D("200.00"),
            state=Match.State.MATCHED,
        )
        found = history(company, TODAY)
    assert found.days[-1] == TODAY
    assert len(found.days) == 366
    by_day = dict(zip(found.days, found.total, strict=True))
    assert by_day[day(1)] == D("4150")
    assert by_day[day(3)] == D("4250")
    assert by_day[day(10)] == D("5000")
    assert by_day[TODAY] == D("5250")  # +300 -50 booked since the newest statement
    assert by_day[day(1) - datetime.timedelta(days=1)] is None  # nothing known before
    assert found.today == D("5250")
    november = found.months[-1]
    assert november.month == day(1)
    assert dict(november.inflow) == {"customers": D("200"), "other": D("1000"), "loans": D("300")}
    # the 50.00 to the company's own account is a transfer, not money out
    assert dict(november.outflow) == {"taxes": D("-100"), "suppliers": D("-200")}
    assert (november.total_in, november.total_out) == (D("1500"), D("-300"))
    assert len(found.months) == 12
