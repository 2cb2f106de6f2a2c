from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from staffing.models import ServiceCalendar


class Level(models.TextChoices):
    """Priority levels; their codes sort in urgency order (P0 first)."""

    P0 = "P0", _("P0 – handle immediately")
    P1 = "P1", _("P1 – within 2 hours")
    P2 = "P2", _("P2 – within 4 hours")
    P3 = "P3", _("P3 – regular process")


# Most urgent first.
LEVEL_ORDER: tuple[str, ...] = tuple(Level.values)


class Tier(models.Model):
    class Code(models.TextChoices):
        PLATINUM = "PLATINUM", _("Platinum")
        GOLD = "GOLD", _("Gold")
        SILVER = "SILVER", _("Silver")
        STANDARD = "STANDARD", _("Standard")

    code = models.CharField(_("code"), max_length=20, unique=True, choices=Code.choices)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(
        _("rank"), help_text=_("Higher ranks are better tiers; used to suggest upgrades.")
    )
    customer_score = models.DecimalField(_("customer score"), max_digits=4, decimal_places=3)
    monthly_urgent_quota = models.PositiveIntegerField(
        _("urgent requests included per month"),
        null=True,
        blank=True,
        help_text=_("Leave empty for unlimited."),
    )
    extra_request_price = models.DecimalField(
        _("price of an extra urgent request (¥)"), max_digits=10, decimal_places=2
    )
    response_commitment_hours = models.DecimalField(
        _("first response commitment (service hours)"), max_digits=6, decimal_places=2
    )
    calendar = models.ForeignKey(
        ServiceCalendar,
        on_delete=models.PROTECT,
        related_name="tiers",
        verbose_name=_("service calendar"),
    )
    max_requestable_level = models.CharField(
        _("highest level a customer may request"), max_length=2, choices=Level.choices
    )

    class Meta:
        ordering = ["-rank"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.CheckConstraint(
                condition=Q(customer_score__gte=0, customer_score__lte=1),
                name="tier_customer_score_unit_range",
                violation_error_message=_("The customer score must be between 0 and 1."),
            ),
            models.CheckConstraint(
                condition=Q(extra_request_price__gte=0),
                name="tier_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(response_commitment_hours__gt=0),
                name="tier_commitment_positive",
                violation_error_message=_("The response commitment must be positive."),
            ),
            models.UniqueConstraint(fields=["rank"], name="tier_rank_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_unlimited_quota(self) -> bool:
        return self.monthly_urgent_quota is None


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="customers", verbose_name=_("tier")
    )
    is_strategic_partner = models.BooleanField(
        _("strategic partner"),
        default=False,
        help_text=_("Strategic partners score as 1.0 for the customer component."),
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("use_portal", _("Can use the customer portal"))]

    def __str__(self) -> str:
        return self.name


class PortalUser(models.Model):
    """Links a login to the one customer account it acts for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_user",
        verbose_name=_("user"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="portal_users",
        verbose_name=_("customer"),
    )
    receives_notifications = models.BooleanField(_("receives notifications"), default=True)

    class Meta:
        ordering = ["customer", "user__username"]
        verbose_name = _("portal user")
        verbose_name_plural = _("portal users")

    def __str__(self) -> str:
        return f"{self.user.username} ({self.customer.name})"


class Source(models.TextChoices):
    """Where an urgent request's credit comes from, in the order it is used."""

    INCLUDED = "included", _("Included in the tier")
    SUBSCRIPTION = "subscription", _("Subscription")
    BUNDLE = "bundle", _("Bundle")
    PAY_PER_USE = "pay_per_use", _("Pay per use")


class Product(models.Model):
    """What supervisors sell: bundles of credits and monthly subscriptions.

    The single pay-per-use price is per tier (Tier.extra_request_price).
    """

    class Kind(models.TextChoices):
        BUNDLE = "bundle", _("Bundle (credits never expire)")
        SUBSCRIPTION = "subscription", _("Subscription (credits every month)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    price = models.DecimalField(_("price (¥)"), max_digits=10, decimal_places=2)
    credits = models.PositiveIntegerField(
        _("credits"), help_text=_("Per purchase for a bundle, per month for a subscription.")
    )
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["kind", "price"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=Q(credits__gte=1), name="product_credits_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Balance(models.Model):
    """Credits a customer has left from one source; the ledger always sums to it."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="balances", verbose_name=_("customer")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    remaining = models.IntegerField(_("remaining"), default=0)

    class Meta:
        ordering = ["customer", "source"]
        verbose_name = _("balance")
        verbose_name_plural = _("balances")
        constraints = [
            models.UniqueConstraint(fields=["customer", "source"], name="balance_once_per_source"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0),
                name="balance_never_negative",
                violation_error_message=_("A balance can never go below zero."),
            ),
            models.CheckConstraint(
                condition=~Q(source="pay_per_use"), name="balance_has_no_pay_per_use"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.source}: {self.remaining}"


class Subscription(models.Model):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("product")
    )
    starts = models.CharField(_("first month (YYYY-MM)"), max_length=7)
    ends = models.CharField(_("last month (YYYY-MM)"), max_length=7, blank=True)

    class Meta:
        ordering = ["customer", "-starts"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends="") | Q(ends__gte=F("starts")),
                name="subscription_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.product} {self.starts}-{self.ends or '…'}"


class LedgerEntry(models.Model):
    """One quota movement or money event. Entries are never edited or deleted."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Grant")
        CONSUME = "consume", _("Consume")
        PURCHASE = "purchase", _("Purchase")
        REFUND = "refund", _("Refund")
        EXPIRE = "expire", _("Expire")
        CHARGE = "charge", _("Charge")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("customer")
    )
    at = models.DateTimeField(_("at"))
    period = models.CharField(_("period (YYYY-MM)"), max_length=7)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    credits = models.IntegerField(_("credits"), default=0)
    amount = models.DecimalField(_("amount (¥)"), max_digits=10, decimal_places=2, default=0)
    # The request it concerns; a reference, not a key, because requests live in the
    # tickets app above this one.
    request_reference = models.CharField(_("request"), max_length=20, blank=True, db_index=True)
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        permissions = [("record_purchase", _("Can record purchases and export charges"))]
        indexes = [
            # The portal's history and the monthly charges export.
            models.Index(fields=["customer", "-at"], name="ledger_customer_recent_idx"),
            models.Index(fields=["period", "kind"], name="ledger_period_kind_idx"),
        ]
        constraints = [
            # One refund per consumed request and source: refunds cannot be doubled.
            models.UniqueConstraint(
                fields=["request_reference", "kind"],
                condition=Q(kind="refund") & ~Q(request_reference=""),
                name="ledger_one_refund_per_request",
            ),
            # Grants are not unique: an upgrade mid-month tops the month's grant up with a
            # second one (quotas.services.grant_current_month, which locks the customer).
            models.UniqueConstraint(
                fields=["customer", "period", "source", "kind"],
                condition=Q(kind="expire"),
                name="ledger_one_expiry_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.customer} {self.kind} {self.credits:+d}"


class QuotaReset(models.Model):
    """Months whose reset has run, so a second run grants nothing."""

    period = models.CharField(_("period (YYYY-MM)"), max_length=7, unique=True)
    ran_at = models.DateTimeField(_("ran at"))

    class Meta:
        ordering = ["-period"]
        verbose_name = _("quota reset")
        verbose_name_plural = _("quota resets")

    def __str__(self) -> str:
        return self.period
