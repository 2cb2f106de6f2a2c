"""Demand management (SPEC 4): urgent quotas, credits, charges and the monthly reset.

Every movement of credits is a ledger entry next to an atomic change of the balance,
made with a conditional UPDATE (`remaining > 0`), so concurrent submissions can never
spend the same credit twice and a balance never goes negative (the database refuses it
too). Money events (purchases, each later month of a subscription, pay-per-use charges)
are ledger entries with an amount: what charges_csv exports for billing.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import cast

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from staffing.services import project_zone

from .models import (
    LEVEL_ORDER,
    Balance,
    Customer,
    LedgerEntry,
    Level,
    Product,
    QuotaReset,
    Source,
    Subscription,
    Tier,
)

URGENT_LEVELS = [Level.P0, Level.P1, Level.P2]
CREDIT_ORDER = [Source.INCLUDED, Source.SUBSCRIPTION, Source.BUNDLE]
EXPIRING = [Source.INCLUDED, Source.SUBSCRIPTION]


class NotEligible(Exception):
    def __init__(self, eligibility: "Eligibility") -> None:
        super().__init__(eligibility.reason)
        self.eligibility = eligibility


def period_of(moment: datetime) -> str:
    return moment.astimezone(project_zone()).strftime("%Y-%m")


def next_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def previous_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


def first_day_of_next_month(*, now: datetime) -> date:
    year, month = map(int, next_period(period_of(now)).split("-"))
    return date(year, month, 1)


def validate_period(period: str) -> str:
    try:
        parsed = datetime.strptime(period, "%Y-%m")
    except (TypeError, ValueError):
        raise ValueError(_("A period is written YYYY-MM, e.g. 2026-12.")) from None
    return parsed.strftime("%Y-%m")


def validate_subscription_end(
    *, subscription: Subscription, ends: str, now: datetime | None = None
) -> str:
    """The last month a subscription runs, as YYYY-MM ("" for no end). Months are compared
    as text, so only the normalised form is stored; months already billed stay billed."""
    if not ends:
        return ""
    ends = validate_period(ends)
    earliest = max(subscription.starts, period_of(now or timezone.now()))
    if ends < earliest:
        raise ValueError(
            _("The last month cannot be before %(month)s: earlier months are already billed.")
            % {"month": earliest}
        )
    return ends


@dataclass(frozen=True)
class Option:
    kind: str
    label: str
    price: Decimal | None = None


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    source: str = ""
    price: Decimal = Decimal(0)
    options: list[Option] = field(default_factory=list)
    balances: dict[str, int] = field(default_factory=dict)


def balances_of(*, customer: Customer) -> dict[str, int]:
    found = dict(Balance.objects.filter(customer=customer).values_list("source", "remaining"))
    return {source: found.get(source, 0) for source in CREDIT_ORDER}


def running_subscriptions(period: str) -> QuerySet[Subscription]:
    """Subscriptions that cover `period` (YYYY-MM)."""
    return Subscription.objects.filter(Q(ends="") | Q(ends__gte=period), starts__lte=period)


class OptionFacts:
    """What a customer's options depend on, each read on first use: a page that checks
    several levels reads them once, one that needs no options not at all."""

    def __init__(self, customer: Customer) -> None:
        self.customer = customer

    @cached_property
    def products(self) -> list[Product]:
        products = Product.objects.filter(is_active=True)
        # A second subscription would be refused by record_purchase: do not offer it.
        running = running_subscriptions(period_of(timezone.now()))
        if running.filter(customer=self.customer).exists():
            products = products.exclude(kind=Product.Kind.SUBSCRIPTION)
        return list(products)

    @cached_property
    def better_tier(self) -> Tier | None:
        return Tier.objects.filter(rank__gt=self.customer.tier.rank).order_by("rank").first()


def _options(facts: OptionFacts, *, allowed: bool) -> list[Option]:
    tier = facts.customer.tier
    options = []
    if allowed:
        options.append(
            Option(
                "pay",
                _("Pay ¥%(price)s for this request") % {"price": tier.extra_request_price},
                tier.extra_request_price,
            )
        )
        for product in facts.products:
            label = (
                _("Buy %(name)s: %(credits)d credits for ¥%(price)s, they never expire")
                if product.kind == Product.Kind.BUNDLE
                else _("Subscribe to %(name)s: %(credits)d credits a month for ¥%(price)s a month")
            ) % {"name": product.name, "credits": product.credits, "price": product.price}
            options.append(Option(product.kind, label, product.price))
    better = facts.better_tier
    if better is not None:
        options.append(
            Option("upgrade", _("Upgrade to %(tier)s") % {"tier": better.get_code_display()})
        )
    options.append(
        Option(
            "regular",
            _("Use the regular process: first response within %(hours)s service hours")
            % {"hours": tier.response_commitment_hours.normalize()},
        )
    )
    return options


def check_eligibility(
    *,
    customer: Customer,
    requested_level: str,
    pay_confirmed: bool = False,
    balances: dict[str, int] | None = None,
    facts: OptionFacts | None = None,
) -> Eligibility:
    """May this customer file an urgent request at this level now, and paid how?
    `balances` (balances_of) and `facts`: shared when the caller asks for several levels."""
    tier = customer.tier
    if balances is None:
        balances = balances_of(customer=customer)
    if facts is None:
        facts = OptionFacts(customer)
    if requested_level not in URGENT_LEVELS:
        return Eligibility(True, _("A regular request uses no urgent credit."), balances=balances)
    if LEVEL_ORDER.index(requested_level) < LEVEL_ORDER.index(tier.max_requestable_level):
        return Eligibility(
            False,
            _("Your %(tier)s tier can request at most %(level)s.")
            % {"tier": tier.get_code_display(), "level": tier.max_requestable_level},
            options=_options(facts, allowed=False),
            balances=balances,
        )
    if tier.has_unlimited_quota:
        return Eligibility(
            True,
            _("Your tier includes unlimited urgent requests."),
            source=Source.INCLUDED,
            balances=balances,
        )
    for source in CREDIT_ORDER:
        if balances[source] > 0:
            return Eligibility(
                True,
                _("This uses one credit from: %(source)s.") % {"source": Source(source).label},
                source=source,
                balances=balances,
            )
    if pay_confirmed:
        return Eligibility(
            True,
            _("You confirmed paying ¥%(price)s for this request.")
            % {"price": tier.extra_request_price},
            source=Source.PAY_PER_USE,
            price=tier.extra_request_price,
            balances=balances,
        )
    return _no_credit(facts, balances=balances)


def _no_credit(facts: OptionFacts, *, balances: dict[str, int]) -> Eligibility:
    return Eligibility(
        False,
        _("You have no urgent credits left this month."),
        price=facts.customer.tier.extra_request_price,
        options=_options(facts, allowed=True),
        balances=balances,
    )


def hold_price(*, customer: Customer, confirmed_price: Decimal) -> None:
    """Check that the pay-per-use price the customer confirmed is the tier's price now,
    and hold it until the caller's transaction ends: the tier row stays locked, so a
    price edited in the admin meanwhile waits instead of changing what intake charges.

    Raises NotEligible (with the new price among the options), changing nothing.
    """
    tier = Tier.objects.select_for_update().get(pk=customer.tier_id)
    if confirmed_price == tier.extra_request_price:
        return
    customer.tier = tier
    raise NotEligible(
        Eligibility(
            False,
            _(
                "The price of an extra urgent request is now ¥%(price)s, not the "
                "¥%(confirmed)s you confirmed. Nothing was submitted; please confirm the "
                "new price."
            )
            % {"price": tier.extra_request_price, "confirmed": confirmed_price},
            price=tier.extra_request_price,
            options=_options(OptionFacts(customer), allowed=True),
        )
    )


def _entry(customer: Customer, kind: str, source: str, *, now: datetime, **fields) -> LedgerEntry:
    fields.setdefault("period", period_of(now))
    return LedgerEntry(customer=customer, kind=kind, source=source, at=now, **fields)


def consume_credit(
    *,
    customer: Customer,
    requested_level: str,
    reference: str,
    pay_confirmed: bool = False,
    now: datetime | None = None,
) -> str:
    """Spend the credit an urgent request needs; returns its source ("" for regular ones).

    Runs inside the caller's transaction (intake). Raises NotEligible, changing nothing.
    """
    now = now or timezone.now()
    eligibility = check_eligibility(
        customer=customer, requested_level=requested_level, pay_confirmed=pay_confirmed
    )
    if not eligibility.eligible:
        raise NotEligible(eligibility)
    if not eligibility.source:
        return ""
    if customer.tier.has_unlimited_quota:
        _entry(
            customer,
            LedgerEntry.Kind.CONSUME,
            Source.INCLUDED,
            now=now,
            request_reference=reference,
        ).save()
        return Source.INCLUDED
    for source in CREDIT_ORDER:
        # The balance read for the eligibility may be stale under concurrent submissions;
        # this conditional UPDATE is the real check.
        if Balance.objects.filter(customer=customer, source=source, remaining__gt=0).update(
            remaining=F("remaining") - 1
        ):
            _entry(
                customer,
                LedgerEntry.Kind.CONSUME,
                source,
                now=now,
                credits=-1,
                request_reference=reference,
            ).save()
            return source
    if not pay_confirmed:
        # Another submission took the last credit after the check above read it.
        raise NotEligible(
            _no_credit(OptionFacts(customer), balances=dict.fromkeys(CREDIT_ORDER, 0))
        )
    _entry(
        customer,
        LedgerEntry.Kind.CHARGE,
        Source.PAY_PER_USE,
        now=now,
        amount=customer.tier.extra_request_price,
        request_reference=reference,
    ).save()
    return Source.PAY_PER_USE


def refund_credit(
    *, customer: Customer, reference: str, reason: str, now: datetime | None = None
) -> LedgerEntry | None:
    """Give back what an urgent request consumed (triaged to P3, or merged). Once only."""
    now = now or timezone.now()
    spent = (
        LedgerEntry.objects.filter(
            customer=customer,
            request_reference=reference,
            kind__in=[LedgerEntry.Kind.CONSUME, LedgerEntry.Kind.CHARGE],
        )
        .order_by("at")
        .first()
    )
    if spent is None or (spent.credits == 0 and spent.amount == 0):
        return None
    refund = _entry(
        customer,
        LedgerEntry.Kind.REFUND,
        spent.source,
        now=now,
        credits=-spent.credits,
        amount=-spent.amount,
        request_reference=reference,
        note=reason[:200],
    )
    try:
        with transaction.atomic():
            refund.save()
    except IntegrityError:
        return None  # already refunded
    if refund.credits:
        balance, _created = Balance.objects.get_or_create(customer=customer, source=spent.source)
        Balance.objects.filter(pk=balance.pk).update(remaining=F("remaining") + refund.credits)
    return refund


@transaction.atomic
def record_purchase(
    *,
    customer: Customer,
    product: Product,
    recorded_by: AbstractBaseUser | None,
    now: datetime | None = None,
) -> LedgerEntry:
    """A supervisor records a bundle or subscription bought by the customer."""
    now = now or timezone.now()
    period = period_of(now)
    if not product.is_active:
        raise ValueError(_("%(product)s is not on sale.") % {"product": product})
    if product.kind == Product.Kind.SUBSCRIPTION:
        if running_subscriptions(period).filter(customer=customer).exists():
            raise ValueError(
                _("%(customer)s already has a running subscription.") % {"customer": customer}
            )
        Subscription.objects.create(customer=customer, product=product, starts=period)
        source = Source.SUBSCRIPTION
    else:
        source = Source.BUNDLE
    purchase = _entry(
        customer,
        LedgerEntry.Kind.PURCHASE,
        source,
        now=now,
        credits=product.credits,
        amount=product.price,
        product=product,
        recorded_by=recorded_by,
    )
    purchase.save()
    balance, _created = Balance.objects.get_or_create(customer=customer, source=source)
    Balance.objects.filter(pk=balance.pk).update(remaining=F("remaining") + product.credits)
    return purchase


def _add_credits(changes: dict[tuple[int, str], int]) -> None:
    """Add (or, negative, take) credits to balances, one UPDATE per source and amount.

    Relative updates (F + n), never absolute values: a refund written between two steps
    of the reset must not be overwritten.
    """
    groups: dict[tuple[str, int], list[int]] = {}
    for (customer_id, source), credits in changes.items():
        groups.setdefault((source, credits), []).append(customer_id)
    for (source, credits), customer_ids in groups.items():
        Balance.objects.filter(source=source, customer_id__in=customer_ids).update(
            remaining=F("remaining") + credits
        )


def _expire(*, period: str, now: datetime) -> int:
    """Expire what is left of the previous month's included and subscription credits."""
    # Credits already granted or bought in `period` or later before the job ran (a
    # customer created, upgraded or subscribed after midnight, or while the job was
    # missing months it now catches up on) belong to a month not yet over.
    fresh = LedgerEntry.objects.filter(
        period__gte=period,
        kind__in=[LedgerEntry.Kind.GRANT, LedgerEntry.Kind.PURCHASE],
        customer=OuterRef("customer"),
        source=OuterRef("source"),
    )
    leftovers = {
        (customer_id, source): remaining
        for customer_id, source, remaining in Balance.objects.filter(
            source__in=EXPIRING, remaining__gt=0
        )
        .exclude(Exists(fresh))
        .select_for_update()
        .values_list("customer_id", "source", "remaining")
    }
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            customer_id=customer_id,
            kind=LedgerEntry.Kind.EXPIRE,
            source=source,
            credits=-remaining,
            period=previous_period(period),
            at=now,
        )
        for (customer_id, source), remaining in leftovers.items()
    )
    _add_credits({key: -remaining for key, remaining in leftovers.items()})
    return len(leftovers)


def _grant(*, period: str, now: datetime, customers: QuerySet[Customer]) -> int:
    """Bring these customers' grants for `period` up to their tier's included quota and
    their subscription's credits; returns the grant entries written.

    Grants already written for `period` count, so running it again grants nothing and an
    upgrade mid-month grants only the difference. The customers' rows are locked so two
    runs cannot both see "nothing granted yet".
    """
    list(customers.select_for_update().values_list("pk", flat=True))
    targets: dict[tuple[int, str], int] = {}
    for customer_id, quota in customers.filter(tier__monthly_urgent_quota__gt=0).values_list(
        "pk", "tier__monthly_urgent_quota"
    ):
        # Never None: the __gt=0 filter excludes unlimited (NULL) quotas.
        targets[(customer_id, Source.INCLUDED)] = cast(int, quota)
    # A subscription's first month came with its purchase (record_purchase).
    running = running_subscriptions(period).filter(starts__lt=period, customer__in=customers)
    for customer_id, credits in running.values_list("customer_id", "product__credits"):
        targets[(customer_id, Source.SUBSCRIPTION)] = credits
    granted = {
        (customer_id, source): total
        for customer_id, source, total in LedgerEntry.objects.filter(
            kind=LedgerEntry.Kind.GRANT, period=period, customer__in=customers
        )
        .order_by()
        .values("customer_id", "source")
        .annotate(total=Sum("credits"))
        .values_list("customer_id", "source", "total")
    }
    missing = {
        key: target - granted.get(key, 0)
        for key, target in targets.items()
        if target > granted.get(key, 0)
    }
    Balance.objects.bulk_create(
        [Balance(customer_id=c, source=s) for c, s in missing], ignore_conflicts=True
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            customer_id=c, kind=LedgerEntry.Kind.GRANT, source=s, credits=n, period=period, at=now
        )
        for (c, s), n in missing.items()
    )
    _add_credits(missing)
    return len(missing)


def _charge_subscriptions(*, period: str, now: datetime) -> int:
    """Bill each running subscription for `period`; its first month was billed when it
    was bought (record_purchase), so only the months after."""
    running = running_subscriptions(period).filter(starts__lt=period).select_related("product")
    charges = LedgerEntry.objects.bulk_create(
        LedgerEntry(
            customer_id=subscription.customer_id,
            kind=LedgerEntry.Kind.CHARGE,
            source=Source.SUBSCRIPTION,
            amount=subscription.product.price,
            product=subscription.product,
            period=period,
            at=now,
        )
        for subscription in running
    )
    return len(charges)


def _reset_one(*, period: str, now: datetime) -> dict[str, int]:
    expired = _expire(period=period, now=now)
    granted = _grant(period=period, now=now, customers=Customer.objects.all())
    charged = _charge_subscriptions(period=period, now=now)
    return {"expired": expired, "granted": granted, "charged": charged}


def reset_quotas(*, period: str | None = None, now: datetime | None = None) -> dict[str, object]:
    """Run the monthly reset up to `period` (default: this month), catching up missed
    months in order. A month already reset is skipped, so a second run grants nothing.

    Raises ValueError, changing nothing, for a month in the future or before the last
    reset: months are reset in order, and a past month cannot be reset again.
    """
    now = now or timezone.now()
    current = period_of(now)
    target = validate_period(period) if period else current
    if target > current:
        raise ValueError(
            _("%(period)s is in the future: the reset runs up to this month, %(current)s.")
            % {"period": target, "current": current}
        )
    last = QuotaReset.objects.order_by("-period").values_list("period", flat=True).first()
    if last is not None and target < last:
        raise ValueError(
            _(
                "%(period)s is before the last reset, %(last)s: months are reset in order, "
                "so an earlier month cannot be reset now."
            )
            % {"period": target, "last": last}
        )
    months = [target]
    if last is not None and last < target:
        months, month = [], next_period(last)
        while month <= target:
            months.append(month)
            month = next_period(month)
    done: list[dict[str, object]] = []
    for month in months:
        try:
            with transaction.atomic():
                # The unique row is also the lock: a concurrent run fails here and skips.
                QuotaReset.objects.create(period=month, ran_at=now)
                done.append({"period": month, **_reset_one(period=month, now=now)})
        except IntegrityError:
            continue
    return {"target": target, "reset": done}


@transaction.atomic
def grant_current_month(*, customers: list[Customer], now: datetime | None = None) -> int:
    """Grant new or upgraded customers this month's included quota now rather than on
    the next 1st: what the tier includes, less what was already granted this month.
    Idempotent; returns the grant entries written. A fixed number of queries for any
    number of customers.

    Called wherever customers are created or change tier (the Customer admin, seed_demo).
    """
    now = now or timezone.now()
    period = period_of(now)
    last = QuotaReset.objects.order_by("-period").values_list("period", flat=True).first()
    if last is not None and last < period:
        # This month's reset has not run yet; when it does, it expires last month's
        # credits and grants this one at the customers' tiers.
        return 0
    chosen = Customer.objects.filter(pk__in=[customer.pk for customer in customers])
    return _grant(period=period, now=now, customers=chosen)


def charges_csv(*, period: str) -> str:
    """Every purchase, subscription month, pay-per-use charge and refund of money in a
    month, for billing."""
    period = validate_period(period)
    rows = (
        LedgerEntry.objects.filter(period=period)
        .exclude(amount=0)
        .select_related("customer__tier", "product")
        .order_by("customer__name", "at", "pk")
    )
    zone = project_zone()  # the date the customer saw, like the period
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["period", "date", "customer", "tier", "kind", "source", "product", "request", "amount_cny"]
    )
    for entry in rows:
        writer.writerow(
            [
                entry.period,
                entry.at.astimezone(zone).date().isoformat(),
                entry.customer.name,
                entry.customer.tier.code,
                entry.kind,
                entry.source,
                entry.product.code if entry.product else "",
                entry.request_reference,
                f"{entry.amount:.2f}",
            ]
        )
    return out.getvalue()


def used_this_month(*, customer: Customer, now: datetime) -> int:
    """Urgent requests filed this month on quota or paid, less those refunded."""
    # Only entries about a request: a subscription's monthly charge is no request.
    about_requests = LedgerEntry.objects.filter(customer=customer, period=period_of(now)).exclude(
        request_reference=""
    )
    counts = about_requests.aggregate(
        spent=Count("pk", filter=Q(kind__in=[LedgerEntry.Kind.CONSUME, LedgerEntry.Kind.CHARGE])),
        refunded=Count("pk", filter=Q(kind=LedgerEntry.Kind.REFUND)),
    )
    return counts["spent"] - counts["refunded"]
