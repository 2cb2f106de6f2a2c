"""Urgent quotas: eligibility, consumption order, refunds, purchases, the monthly reset."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum

from conftest import (
    make_customer,
    make_request,
    make_user,
    requires_postgres,
    run_concurrently,
    transactional,
)
from quotas.models import Balance, LedgerEntry, Product, QuotaReset, Source, Subscription
from quotas.services import (
    NotEligible,
    charges_csv,
    check_eligibility,
    consume_credit,
    period_of,
    record_purchase,
    reset_quotas,
)
from tickets.models import Ticket, TicketEvent
from tickets.services import workflow
from tickets.services.priority import override_level

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def gold_with_quota(credits: int = 5):
    """A Gold customer granted this month's 5 credits, `5 - credits` of them spent."""
    customer = make_customer(tier="GOLD")
    reset_quotas(period="2026-12")
    for n in range(5 - credits):
        consume_credit(customer=customer, requested_level="P1", reference=f"EARLIER-{n}")
    assert Balance.objects.get(customer=customer, source=Source.INCLUDED).remaining == credits
    return customer


def urgent(customer, level="P1", **kwargs):
    return make_request(customer=customer, requested_level=level, **kwargs)


def assert_ledger_matches_balances(customer):
    ledger = dict(
        LedgerEntry.objects.filter(customer=customer)
        .values_list("source")
        .annotate(total=Sum("credits"))
        .exclude(total=0)
    )
    balances = dict(
        Balance.objects.filter(customer=customer)
        .exclude(remaining=0)
        .values_list("source", "remaining")
    )
    assert ledger == balances


# Eligibility: every refusal path


@pytest.mark.parametrize(
    ("tier", "level", "eligible", "reason"),
    [
        ("PLATINUM", "P0", True, "unlimited"),
        ("GOLD", "P0", False, "no urgent credits"),
        ("SILVER", "P0", False, "can request at most P1"),
        ("SILVER", "P1", False, "no urgent credits"),
        ("STANDARD", "P0", False, "can request at most P1"),
        ("STANDARD", "P1", False, "no urgent credits"),
        ("STANDARD", "P2", False, "no urgent credits"),
        ("STANDARD", "P3", True, "regular request"),
        ("STANDARD", "", True, "regular request"),
    ],
)
def test_eligibility_without_credits(tier, level, eligible, reason):
    result = check_eligibility(customer=make_customer(tier=tier), requested_level=level)
    assert result.eligible is eligible
    assert reason in result.reason


def test_no_credit_offers_pay_bundle_subscription_upgrade_and_regular():
    result = check_eligibility(customer=make_customer(tier="SILVER"), requested_level="P1")
    kinds = [option.kind for option in result.options]
    assert kinds == ["pay", "bundle", "subscription", "upgrade", "regular"]
    assert result.options[0].price == Decimal("500")
    assert "Upgrade to Gold" in result.options[3].label
    assert "within 8 service hours" in result.options[4].label


def test_a_level_above_the_tier_offers_only_upgrade_and_regular():
    result = check_eligibility(customer=make_customer(tier="STANDARD"), requested_level="P0")
    assert [option.kind for option in result.options] == ["upgrade", "regular"]


def test_a_confirmed_payment_makes_a_request_eligible():
    result = check_eligibility(
        customer=make_customer(tier="STANDARD"), requested_level="P1", pay_confirmed=True
    )
    assert (result.eligible, result.source, result.price) == (True, "pay_per_use", Decimal("800"))


# Consumption at intake


def test_credits_are_used_included_then_subscription_then_bundle_then_paid():
    customer = gold_with_quota(1)
    record_purchase(
        customer=customer, product=Product.objects.get(code="subscription-3"), recorded_by=None
    )
    record_purchase(
        customer=customer, product=Product.objects.get(code="bundle-10"), recorded_by=None
    )
    sources = [urgent(customer).quota_source for _ in range(1 + 3 + 10)]
    assert sources == ["included"] + ["subscription"] * 3 + ["bundle"] * 10
    with pytest.raises(NotEligible):
        urgent(customer)
    paid = urgent(customer, pay_confirmed=True)
    assert paid.quota_source == "pay_per_use"
    charge = LedgerEntry.objects.get(kind="charge", request_reference=paid.reference)
    assert charge.amount == Decimal("300")
    assert_ledger_matches_balances(customer)


def test_a_refused_urgent_request_writes_nothing():
    customer = make_customer(tier="SILVER")
    with pytest.raises(NotEligible) as refused:
        urgent(customer)
    assert refused.value.eligibility.options
    assert (Ticket.objects.count(), TicketEvent.objects.count(), LedgerEntry.objects.count()) == (
        0,
        0,
        0,
    )


def test_regular_requests_use_no_credit():
    customer = gold_with_quota(5)
    ticket = urgent(customer, level="P3")
    assert ticket.quota_source == ""
    assert Balance.objects.get(customer=customer, source="included").remaining == 5


def test_platinum_is_unlimited_and_still_recorded():
    customer = make_customer(tier="PLATINUM")
    tickets = [urgent(customer, level="P0") for _ in range(3)]
    assert {t.quota_source for t in tickets} == {"included"}
    assert LedgerEntry.objects.filter(customer=customer, kind="consume", credits=0).count() == 3


def test_the_database_refuses_a_negative_balance():
    customer = gold_with_quota(0)
    balance = Balance.objects.get(customer=customer, source="included")
    balance.remaining = -1
    with pytest.raises(IntegrityError), transaction.atomic():
        balance.save()


# Refunds


def test_triaging_down_to_p3_refunds_the_credit_once(supervisor_user):
    customer = gold_with_quota(2)
    ticket = urgent(customer)
    assert Balance.objects.get(customer=customer, source="included").remaining == 1
    override_level(ticket=ticket, level="P3", reason="not urgent", actor=supervisor_user)
    override_level(ticket=ticket, level="P3", reason="still not urgent", actor=supervisor_user)
    assert Balance.objects.get(customer=customer, source="included").remaining == 2
    assert (
        LedgerEntry.objects.filter(kind="refund", request_reference=ticket.reference).count() == 1
    )
    assert_ledger_matches_balances(customer)


def test_a_merged_request_gets_its_credit_back(agent):
    customer = gold_with_quota(2)
    parent, child = urgent(customer), urgent(customer)
    supervisor = make_user(role="supervisor")
    workflow.merge_into(ticket=child, parent_reference=parent.reference, actor=supervisor)
    assert Balance.objects.get(customer=customer, source="included").remaining == 1
    assert_ledger_matches_balances(customer)


def test_a_paid_request_triaged_down_refunds_the_money(supervisor_user):
    customer = make_customer(tier="STANDARD")
    ticket = urgent(customer, pay_confirmed=True)
    override_level(ticket=ticket, level="P3", reason="regular question", actor=supervisor_user)
    refund = LedgerEntry.objects.get(kind="refund", request_reference=ticket.reference)
    assert refund.amount == Decimal("-800")


# Purchases


def test_purchases_add_credits_and_record_the_money():
    customer = make_customer(tier="SILVER")
    supervisor = make_user(role="supervisor")
    record_purchase(
        customer=customer, product=Product.objects.get(code="bundle-10"), recorded_by=supervisor
    )
    record_purchase(
        customer=customer,
        product=Product.objects.get(code="subscription-3"),
        recorded_by=supervisor,
    )
    balances = dict(Balance.objects.filter(customer=customer).values_list("source", "remaining"))
    assert balances == {"bundle": 10, "subscription": 3}
    assert Subscription.objects.get(customer=customer).ends == ""
    with pytest.raises(ValueError, match="already has a running subscription"):
        record_purchase(
            customer=customer,
            product=Product.objects.get(code="subscription-3"),
            recorded_by=supervisor,
        )
    assert_ledger_matches_balances(customer)


def test_charges_export_lists_the_months_money(supervisor_user):
    customer = make_customer(tier="STANDARD", name="Bluebird")
    record_purchase(
        customer=customer,
        product=Product.objects.get(code="bundle-10"),
        recorded_by=supervisor_user,
        now=dt.datetime(2026, 12, 3, 10, tzinfo=SHANGHAI),
    )
    lines = charges_csv("2026-12").strip().splitlines()
    assert lines[0].startswith("period,date,customer,tier,kind")
    assert lines[1] == "2026-12,2026-12-03,Bluebird,STANDARD,purchase,bundle,bundle-10,,2000.00"
    assert charges_csv("2026-11").strip().count("\n") == 0


# The monthly reset


def test_reset_grants_the_month_expires_leftovers_and_keeps_bundles():
    gold, silver = make_customer(tier="GOLD"), make_customer(tier="SILVER")
    record_purchase(
        customer=silver, product=Product.objects.get(code="bundle-10"), recorded_by=None
    )
    reset_quotas(period="2026-11")
    Balance.objects.filter(customer=gold, source="included").update(remaining=2)
    LedgerEntry.objects.create(
        customer=gold,
        kind="consume",
        source="included",
        credits=-3,
        period="2026-11",
        at=dt.datetime(2026, 11, 5, tzinfo=SHANGHAI),
    )
    summary = reset_quotas(period="2026-12")
    assert [month["period"] for month in summary["reset"]] == ["2026-12"]
    balances = dict(Balance.objects.filter(customer=gold).values_list("source", "remaining"))
    assert balances["included"] == 5
    assert LedgerEntry.objects.get(customer=gold, kind="expire").credits == -2
    assert Balance.objects.get(customer=silver, source="bundle").remaining == 10
    assert Balance.objects.get(customer=silver, source="included").remaining == 2
    assert_ledger_matches_balances(gold)
    assert_ledger_matches_balances(silver)


def test_reset_twice_grants_once():
    customer = make_customer(tier="GOLD")
    reset_quotas(period="2026-12")
    second = reset_quotas(period="2026-12")
    assert second["reset"] == []
    assert LedgerEntry.objects.filter(customer=customer, kind="grant").count() == 1


def test_reset_catches_up_missed_months_in_order():
    make_customer(tier="GOLD")
    reset_quotas(period="2026-09")
    summary = reset_quotas(period="2026-12")
    assert [month["period"] for month in summary["reset"]] == ["2026-10", "2026-11", "2026-12"]
    assert list(QuotaReset.objects.order_by("period").values_list("period", flat=True)) == [
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
    ]


def test_subscriptions_grant_each_month_while_running():
    customer = make_customer(tier="STANDARD")
    product = Product.objects.get(code="subscription-3")
    Subscription.objects.create(
        customer=customer, product=product, starts="2026-11", ends="2026-11"
    )
    reset_quotas(period="2026-11")
    assert Balance.objects.get(customer=customer, source="subscription").remaining == 3
    reset_quotas(period="2026-12")
    assert Balance.objects.get(customer=customer, source="subscription").remaining == 0
    assert_ledger_matches_balances(customer)


def test_the_month_follows_the_project_time_zone():
    # 16:30 UTC on 30 November is already 1 December in Shanghai.
    assert period_of(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)) == "2026-12"
    assert period_of(dt.datetime(2026, 11, 30, 15, 59, tzinfo=dt.UTC)) == "2026-11"


def test_reset_command(capsys):
    make_customer(tier="GOLD")
    call_command("reset_quotas", "--period=2026-12", "--json")
    assert json.loads(capsys.readouterr().out)["reset"][0]["period"] == "2026-12"
    call_command("reset_quotas", "--period=2026-12", "--json")
    assert json.loads(capsys.readouterr().out)["reset"] == []


def test_reset_command_refuses_a_bad_period():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("reset_quotas", "--period=December")


@requires_postgres
@transactional
def test_fifty_concurrent_urgent_requests_spend_exactly_five_credits():
    customer = gold_with_quota(5)
    outcomes = run_concurrently([lambda: urgent(customer)] * 50)
    accepted = [o for o in outcomes if isinstance(o, Ticket)]
    refused = [o.eligibility for o in outcomes if isinstance(o, NotEligible)]
    assert len(accepted) + len(refused) == 50  # nothing else went wrong
    assert (len(accepted), len(refused)) == (5, 45)
    assert all(result.options for result in refused)
    assert Balance.objects.get(customer=customer, source="included").remaining == 0
    assert Ticket.objects.count() == 5
    assert LedgerEntry.objects.filter(kind="consume").count() == 5
    assert_ledger_matches_balances(customer)
