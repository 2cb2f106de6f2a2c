from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from staffing.models import ServiceCalendar


class Level(models.TextChoices):
    """Priority levels; their codes sort in urgency order (P0 first)."""

    P0 = "P0", _("P0 – handle immediately")
    P1 = "P1", _("P1 – within 2 hours")
    P2 = "P2", _("P2 – within 4 hours")
    P3 = "P3", _("P3 – regular process")


class Tier(models.Model):
    class Code(models.TextChoices):
        PLATINUM = "PLATINUM", _("Platinum")
        GOLD = "GOLD", _("Gold")
        SILVER = "SILVER", _("Silver")
        STANDARD = "STANDARD", _("Standard")

    code = models.CharField(_("code"), max_length=20, unique=True)
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
