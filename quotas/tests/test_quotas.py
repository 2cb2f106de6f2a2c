"""Urgent quotas: eligibility, consumption order, refunds, purchases, the monthly reset."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django_q.conf import Conf
from django_q.models import Schedule

from conftest import (
    make_customer,
    make_request,
    make_user,
    requires_postgres,
    run_concurrently,
    transactional,
)
from expedite_site.schedules import NAME_PREFIX, sync_schedules
from quotas import services
from quotas.models import Balance, LedgerEntry, Product, QuotaReset, Source, Subscription
from quotas.services import (
    NotEligible,
    charges_csv,
    check_eligibility,
    consume_credit,
    grant_current_month,
    period_of,
    record_purchase,
    refund_credit,
    reset_quotas,
    used_this_month,
)
from tickets.models import Ticket, TicketEvent
from tickets.services import workflow
from tickets.services.priority import clear_override, override_level, rescore_open_tickets

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


# The spec's table: the highest level each tier may ask for.
MAX_LEVEL = {"PLATINUM": "P0", "GOLD": "P0", "SILVER": "P1", "STANDARD": "P1"}
TIERS = list(MAX_LEVEL)
LEVELS = ["P0", "P1", "P2", "P3", ""]


def expected_refusal(tier, level, *, credits):
    """The reason the spec implies, or None when the request is eligible."""
    if level in ("P3", ""):
        return None
    if level < MAX_LEVEL[tier]:  # "P0" < "P1": more urgent than the tier allows
        return f"can request at most {MAX_LEVEL[tier]}"
    if tier == "PLATINUM" or credits:
        return None
    return "no urgent credits"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("tier", TIERS)
def test_eligibility_without_credits(tier, level):
    refusal = expected_refusal(tier, level, credits=False)
    result = check_eligibility(customer=make_customer(tier=tier), requested_level=level)
    assert result.eligible is (refusal is None)
    if refusal:
        assert refusal in result.reason
        assert result.options
    elif level in ("P3", ""):
        assert (result.reason, result.source) == ("A regular request uses no urgent credit.", "")
    else:
        assert (result.reason, result.source) == (
            "Your tier includes unlimited urgent requests.",
            "included",
        )


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("tier", TIERS)
def test_eligibility_with_a_credit(tier, level):
    customer = make_customer(tier=tier)
    # A bundle credit: every tier can hold one, whatever its included quota.
    record_purchase(
        customer=customer, product=Product.objects.get(code="bundle-10"), recorded_by=None
    )
    refusal = expected_refusal(tier, level, credits=True)
    result = check_eligibility(customer=customer, requested_level=level)
    assert result.eligible is (refusal is None)
    if refusal:
        assert refusal in result.reason
        assert [option.kind for option in result.options] == (
            ["regular"] if tier == "PLATINUM" else ["upgrade", "regular"]
        )
    elif level in ("P0", "P1", "P2") and tier != "PLATINUM":
        assert result.source == "bundle"


@pytest.mark.parametrize("level", ["P0", "P1", "P2"])
def test_gold_and_silver_use_their_included_quota_at_every_allowed_level(level):
    for tier in ("GOLD", "SILVER"):
        customer = make_customer(tier=tier)
        grant_current_month(customers=[customer])
        result = check_eligibility(customer=customer, requested_level=level)
        if expected_refusal(tier, level, credits=True):
            assert not result.eligible
        else:
            assert (result.eligible, result.source) == (True, "included")


def test_credit_running_out_between_check_and_update_refuses_and_writes_nothing(monkeypatch):
    """Another submission took the last credit after this one read the balances: the
    conditional UPDATE finds none, so the request is refused with the options."""
    customer = gold_with_quota(0)
    stale = {"included": 1, "subscription": 0, "bundle": 0}
    monkeypatch.setattr(services, "balances_of", lambda *, customer: dict(stale))
    entries = LedgerEntry.objects.count()
    with pytest.raises(NotEligible) as refused:
        consume_credit(customer=customer, requested_level="P1", reference="RACE-1")
    assert "no urgent credits" in refused.value.eligibility.reason
    assert refused.value.eligibility.options[0].kind == "pay"
    assert LedgerEntry.objects.count() == entries
    assert Balance.objects.get(customer=customer, source="included").remaining == 0


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


def test_a_refunded_request_does_not_turn_urgent_again_by_itself(supervisor_user):
    """After the refund neither clearing the triage nor a later re-score makes the
    request urgent again: the customer no longer holds a credit for it."""
    customer = gold_with_quota(2)
    ticket = urgent(customer)
    assert ticket.level in ("P0", "P1", "P2")
    override_level(ticket=ticket, level="P2", reason="less urgent", actor=supervisor_user)
    override_level(ticket=ticket, level="P3", reason="not urgent", actor=supervisor_user)
    override_level(ticket=ticket, level="P2", reason="second thoughts", actor=supervisor_user)
    clear_override(ticket=ticket, actor=supervisor_user)
    ticket.refresh_from_db()
    assert (ticket.level, ticket.override_level, ticket.quota_source) == ("P3", "", "")
    rescore_open_tickets(now=ticket.created_at + dt.timedelta(hours=3))
    ticket.refresh_from_db()
    assert ticket.level == "P3"
    assert Balance.objects.get(customer=customer, source="included").remaining == 2
    # An explicit override is the supervisor's decision, and stays possible.
    override_level(ticket=ticket, level="P1", reason="customer escalated", actor=supervisor_user)
    ticket.refresh_from_db()
    assert ticket.level == "P1"


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
    lines = charges_csv(period="2026-12").strip().splitlines()
    assert lines[0].startswith("period,date,customer,tier,kind")
    assert lines[1] == "2026-12,2026-12-03,Bluebird,STANDARD,purchase,bundle,bundle-10,,2000.00"
    assert charges_csv(period="2026-11").strip().count("\n") == 0


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


def test_catching_up_keeps_a_subscription_bought_this_month():
    customer = make_customer(tier="SILVER")
    reset_quotas(now=shanghai(2026, 10, 1, 0, 5))
    record_purchase(
        customer=customer,
        product=Product.objects.get(code="subscription-3"),
        recorded_by=None,
        now=shanghai(2026, 12, 3),
    )
    reset_quotas(now=shanghai(2026, 12, 5))  # the November and December resets were missed
    assert Balance.objects.get(customer=customer, source="subscription").remaining == 3
    assert not LedgerEntry.objects.filter(customer=customer, kind="expire", source="subscription")
    assert_ledger_matches_balances(customer)


def test_reset_catches_up_missed_months_in_order():
    customer = make_customer(tier="GOLD")
    reset_quotas(now=shanghai(2026, 9, 1, 0, 5))
    for n in range(2):
        consume_credit(
            customer=customer, requested_level="P1", reference=f"S-{n}", now=shanghai(2026, 9, 9)
        )
    summary = reset_quotas(now=shanghai(2026, 12, 1, 0, 5))
    assert [month["period"] for month in summary["reset"]] == ["2026-10", "2026-11", "2026-12"]
    assert list(QuotaReset.objects.order_by("period").values_list("period", flat=True)) == [
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    entries = LedgerEntry.objects.filter(customer=customer).order_by("period", "pk")
    grants = list(entries.filter(kind="grant").values_list("period", "credits"))
    assert grants == [("2026-09", 5), ("2026-10", 5), ("2026-11", 5), ("2026-12", 5)]
    expiries = list(entries.filter(kind="expire").values_list("period", "credits"))
    assert expiries == [("2026-09", -3), ("2026-10", -5), ("2026-11", -5)]
    assert Balance.objects.get(customer=customer, source="included").remaining == 5
    assert_ledger_matches_balances(customer)


def test_a_reset_before_the_last_one_or_in_the_future_is_refused_and_changes_nothing():
    customer = make_customer(tier="GOLD")
    reset_quotas(now=shanghai(2026, 11, 1, 0, 5))
    before = (QuotaReset.objects.count(), LedgerEntry.objects.count())
    with pytest.raises(ValueError, match="before the last reset, 2026-11"):
        reset_quotas(period="2026-10", now=shanghai(2026, 11, 20))
    with pytest.raises(ValueError, match="2026-12 is in the future"):
        reset_quotas(period="2026-12", now=shanghai(2026, 11, 20))
    with pytest.raises(CommandError, match="before the last reset"):
        call_command("reset_quotas", "--period=2026-10")
    with pytest.raises(CommandError, match="is in the future"):
        call_command("reset_quotas", "--period=2999-01")
    assert (QuotaReset.objects.count(), LedgerEntry.objects.count()) == before
    assert Balance.objects.get(customer=customer, source="included").remaining == 5


def test_a_refund_between_expiry_and_grant_is_kept(monkeypatch):
    """Grants add to the balance: a credit refunded while the reset runs survives."""
    customer = make_customer(tier="GOLD")
    reset_quotas(now=shanghai(2026, 11, 1, 0, 5))
    for n in range(5):
        consume_credit(
            customer=customer, requested_level="P1", reference=f"N-{n}", now=shanghai(2026, 11, 9)
        )
    grant = services._grant

    def refund_then_grant(**kwargs):
        refund_credit(customer=customer, reference="N-0", reason="triaged down", now=kwargs["now"])
        return grant(**kwargs)

    monkeypatch.setattr(services, "_grant", refund_then_grant)
    reset_quotas(now=shanghai(2026, 12, 1, 0, 5))
    assert Balance.objects.get(customer=customer, source="included").remaining == 6
    assert_ledger_matches_balances(customer)


def test_a_new_customer_gets_this_months_quota_once():
    reset_quotas()
    customer = make_customer(tier="GOLD")
    assert grant_current_month(customers=[customer]) == 1
    assert grant_current_month(customers=[customer]) == 0
    assert Balance.objects.get(customer=customer, source="included").remaining == 5
    grant = LedgerEntry.objects.get(customer=customer, kind="grant")
    assert (grant.period, grant.credits) == (period_of(dt.datetime.now(dt.UTC)), 5)


def test_an_upgrade_mid_month_tops_the_grant_up_and_the_reset_does_not_grant_again():
    from quotas.models import Tier

    reset_quotas(now=shanghai(2026, 11, 1, 0, 5))
    customer = make_customer(tier="SILVER")
    grant_current_month(customers=[customer], now=shanghai(2026, 11, 3))
    consume_credit(
        customer=customer, requested_level="P1", reference="U-1", now=shanghai(2026, 11, 4)
    )
    customer.tier = Tier.objects.get(code="GOLD")
    customer.save()
    assert grant_current_month(customers=[customer], now=shanghai(2026, 11, 5)) == 1
    # Silver's 2, one used, plus Gold's 3 more.
    assert Balance.objects.get(customer=customer, source="included").remaining == 4
    reset_quotas(period="2026-11", now=shanghai(2026, 11, 6))
    assert Balance.objects.get(customer=customer, source="included").remaining == 4
    assert_ledger_matches_balances(customer)


def test_no_grant_before_this_months_reset_has_run():
    """The pending reset will grant at the customer's tier; granting now would let it
    expire the new credits as last month's."""
    reset_quotas(now=shanghai(2026, 10, 1, 0, 5))
    customer = make_customer(tier="GOLD")
    assert grant_current_month(customers=[customer], now=shanghai(2026, 11, 1, 0, 1)) == 0
    reset_quotas(now=shanghai(2026, 11, 1, 0, 5))
    assert Balance.objects.get(customer=customer, source="included").remaining == 5
    assert_ledger_matches_balances(customer)


def shanghai(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_a_subscription_is_billed_and_granted_every_month_it_runs():
    customer = make_customer(tier="STANDARD", name="Subscriber")
    product = Product.objects.get(code="subscription-3")
    reset_quotas(now=shanghai(2026, 10, 1, 0, 5))
    record_purchase(customer=customer, product=product, recorded_by=None, now=shanghai(2026, 10, 9))
    consume_credit(
        customer=customer, requested_level="P1", reference="R-1", now=shanghai(2026, 10, 9)
    )
    reset_quotas(now=shanghai(2026, 11, 1, 0, 5))
    assert Balance.objects.get(customer=customer, source="subscription").remaining == 3
    # The second month is billed by the reset; the first was billed by the purchase.
    november = charges_csv(period="2026-11").strip().splitlines()
    assert november[1:] == [
        "2026-11,2026-11-01,Subscriber,STANDARD,charge,subscription,subscription-3,,500.00"
    ]
    october = charges_csv(period="2026-10").strip().splitlines()
    assert october[1:] == [
        "2026-10,2026-10-09,Subscriber,STANDARD,purchase,subscription,subscription-3,,500.00"
    ]
    expiries = LedgerEntry.objects.filter(customer=customer, kind="expire")
    assert list(expiries.values_list("period", "credits")) == [("2026-10", -2)]
    # The monthly charge is no urgent request.
    assert used_this_month(customer=customer, now=shanghai(2026, 11, 2)) == 0
    assert used_this_month(customer=customer, now=shanghai(2026, 10, 30)) == 1
    assert_ledger_matches_balances(customer)


def test_a_subscription_bought_before_the_reset_ran_keeps_its_first_month():
    """Bought seconds after midnight, before the job: its credits are December's, so the
    December reset neither expires them as November's nor grants them twice."""
    customer = make_customer(tier="STANDARD")
    reset_quotas(now=shanghai(2026, 11, 1, 0, 5))
    record_purchase(
        customer=customer,
        product=Product.objects.get(code="subscription-3"),
        recorded_by=None,
        now=shanghai(2026, 12, 1, 0, 0, 2),
    )
    reset_quotas(now=shanghai(2026, 12, 1, 0, 5))
    assert Balance.objects.get(customer=customer, source="subscription").remaining == 3
    kinds = LedgerEntry.objects.filter(customer=customer).values_list("kind", flat=True)
    assert list(kinds) == ["purchase"]


def test_a_subscription_that_ended_is_neither_billed_nor_granted():
    customer = make_customer(tier="STANDARD")
    product = Product.objects.get(code="subscription-3")
    record_purchase(customer=customer, product=product, recorded_by=None, now=shanghai(2026, 10, 9))
    Subscription.objects.filter(customer=customer).update(ends="2026-10")
    reset_quotas(now=shanghai(2026, 11, 1, 0, 5))
    assert Balance.objects.get(customer=customer, source="subscription").remaining == 0
    assert not LedgerEntry.objects.filter(customer=customer, kind="charge").exists()
    assert_ledger_matches_balances(customer)


def test_the_subscribe_option_is_not_offered_while_a_subscription_runs():
    customer = make_customer(tier="STANDARD")
    product = Product.objects.get(code="subscription-3")
    kinds = [o.kind for o in check_eligibility(customer=customer, requested_level="P1").options]
    assert "subscription" in kinds
    record_purchase(customer=customer, product=product, recorded_by=None)
    for n in range(3):
        consume_credit(customer=customer, requested_level="P1", reference=f"SUB-{n}")
    result = check_eligibility(customer=customer, requested_level="P1")
    assert not result.eligible
    assert [o.kind for o in result.options] == ["pay", "bundle", "upgrade", "regular"]


def test_the_month_follows_the_project_time_zone():
    # 16:30 UTC on 30 November is already 1 December in Shanghai.
    assert period_of(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)) == "2026-12"
    assert period_of(dt.datetime(2026, 11, 30, 15, 59, tzinfo=dt.UTC)) == "2026-11"


@pytest.mark.parametrize(
    ("zone", "now", "granted_month"),
    [
        # 16:30 UTC on 30 November is 00:30 on 1 December in Shanghai.
        ("Asia/Shanghai", dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC), "2026-12"),
        ("Asia/Shanghai", dt.datetime(2026, 11, 30, 15, 30, tzinfo=dt.UTC), "2026-11"),
        ("UTC", dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC), "2026-11"),
    ],
)
def test_the_reset_grants_the_month_of_the_project_time_zone(settings, zone, now, granted_month):
    settings.TIME_ZONE = zone
    customer = make_customer(tier="GOLD")
    summary = reset_quotas(now=now)
    assert [month["period"] for month in summary["reset"]] == [granted_month]
    grant = LedgerEntry.objects.get(customer=customer, kind="grant")
    assert (grant.period, grant.credits) == (granted_month, 5)


def test_the_reset_schedule_runs_on_the_1st_at_midnight_in_shanghai(settings, monkeypatch):
    settings.TIME_ZONE = "Asia/Shanghai"
    # django-q2 copies TIME_ZONE once, at import, into the zone it evaluates cron in.
    monkeypatch.setattr(Conf, "TIME_ZONE", settings.TIME_ZONE)
    sync_schedules()
    schedule = Schedule.objects.get(name=NAME_PREFIX + "reset_quotas")
    # One minute before midnight on 31 December in Shanghai (15:59 UTC).
    with time_machine.travel(shanghai(2026, 12, 31, 23, 59), tick=False):
        next_run = schedule.calculate_next_run()
    assert next_run.astimezone(SHANGHAI) == shanghai(2027, 1, 1, 0, 0)
    assert next_run.astimezone(dt.UTC) == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)


def test_reset_command(capsys):
    make_customer(tier="GOLD")
    call_command("reset_quotas", "--period=2026-12", "--json")
    assert json.loads(capsys.readouterr().out)["reset"][0]["period"] == "2026-12"
    call_command("reset_quotas", "--period=2026-12", "--json")
    assert json.loads(capsys.readouterr().out)["reset"] == []


def test_reset_command_refuses_a_bad_period():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("reset_quotas", "--period=December")


@requires_postgres
@transactional
def test_fifty_concurrent_urgent_requests_spend_exactly_five_credits():
    """40 submissions without and 10 with a confirmed payment race for 5 credits: 5 get
    a credit, the confirmed ones left without one are charged, the others refused."""
    customer = gold_with_quota(5)
    confirmed = [True] * 10 + [False] * 40
    outcomes = run_concurrently(
        [lambda pay=pay: urgent(customer, pay_confirmed=pay) for pay in confirmed]
    )
    accepted = [o for o in outcomes if isinstance(o, Ticket)]
    refused = [o.eligibility for o in outcomes if isinstance(o, NotEligible)]
    assert len(accepted) + len(refused) == 50  # nothing else went wrong
    on_credit = [t for t in accepted if t.quota_source == "included"]
    charged = [t for t in accepted if t.quota_source == "pay_per_use"]
    assert len(on_credit) == 5
    assert len(on_credit) + len(charged) == len(accepted)
    confirmed_on_credit = sum(
        1 for pay, o in zip(confirmed, outcomes, strict=True) if pay and o in on_credit
    )
    # Every confirmed submission is accepted; those beyond the quota, and only they, pay.
    assert all(isinstance(o, Ticket) for pay, o in zip(confirmed, outcomes, strict=True) if pay)
    assert len(charged) == 10 - confirmed_on_credit
    assert len(refused) == 40 - (5 - confirmed_on_credit)
    assert all(result.options for result in refused)
    charges = LedgerEntry.objects.filter(kind="charge")
    assert sorted(charges.values_list("request_reference", flat=True)) == sorted(
        t.reference for t in charged
    )
    assert set(charges.values_list("amount", flat=True)) <= {Decimal("300")}
    assert Balance.objects.get(customer=customer, source="included").remaining == 0
    assert Ticket.objects.count() == len(accepted)
    assert LedgerEntry.objects.filter(kind="consume").count() == 5
    assert_ledger_matches_balances(customer)
