from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# A rate threshold is a share: above 0 (the smallest step of three decimals) and at most 1.
RATE_VALIDATORS = [MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(1))]


class Thresholds(models.Model):
    """The traffic-light and alert thresholds; a single row edited by supervisors."""

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    backlog_yellow_multiple = models.DecimalField(
        _("backlog yellow at (x urgent agents on shift)"),
        max_digits=5,
        decimal_places=2,
        default=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    backlog_red_multiple = models.DecimalField(
        _("backlog red at (x urgent agents on shift)"),
        max_digits=5,
        decimal_places=2,
        default=4,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    response_warning_multiple = models.DecimalField(
        _("response time warning above (x commitment)"),
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    response_severe_multiple = models.DecimalField(
        _("response time severe from (x commitment)"),
        max_digits=5,
        decimal_places=2,
        default=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    utilisation_warning = models.DecimalField(
        _("urgent lane utilisation warning at"),
        max_digits=4,
        decimal_places=3,
        default="0.85",
        validators=RATE_VALIDATORS,
    )
    error_rate_warning = models.DecimalField(
        _("error rate warning at"),
        max_digits=4,
        decimal_places=3,
        default="0.05",
        validators=RATE_VALIDATORS,
    )
    breaches_warning = models.PositiveIntegerField(
        _("SLA breaches warning at (in the last hour)"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Requests that breached their SLA in the snapshot job's one-hour window."),
    )

    class Meta:
        verbose_name = _("monitoring thresholds")
        verbose_name_plural = _("monitoring thresholds")
        permissions = [("view_dashboard", _("Can view the monitoring dashboard"))]
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="thresholds_single_row"),
            models.CheckConstraint(
                condition=Q(backlog_red_multiple__gt=F("backlog_yellow_multiple"))
                & Q(backlog_yellow_multiple__gt=0),
                name="thresholds_backlog_ordered",
                violation_error_message=_("Red must be above yellow, and yellow above 0."),
            ),
            models.CheckConstraint(
                condition=Q(response_severe_multiple__gt=F("response_warning_multiple"))
                & Q(response_warning_multiple__gt=0),
                name="thresholds_response_ordered",
                violation_error_message=_("Severe must be above warning, and warning above 0."),
            ),
            models.CheckConstraint(
                condition=Q(utilisation_warning__gt=0, utilisation_warning__lte=1)
                & Q(error_rate_warning__gt=0, error_rate_warning__lte=1),
                name="thresholds_rates_unit_range",
                violation_error_message=_("Rates must be greater than 0 and at most 1."),
            ),
            models.CheckConstraint(
                condition=Q(breaches_warning__gte=1),
                name="thresholds_breaches_positive",
                violation_error_message=_("The breaches warning is at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Monitoring thresholds"))

    def clean(self) -> None:
        """The orderings the constraints enforce, as errors on the field to correct (the
        admin form shows them there rather than as one message at the top)."""
        errors = {}
        yellow, red = self.backlog_yellow_multiple, self.backlog_red_multiple
        if yellow is not None and red is not None and not red > yellow:
            errors["backlog_red_multiple"] = _("Red must be above yellow.")
        warning, severe = self.response_warning_multiple, self.response_severe_multiple
        if warning is not None and severe is not None and not severe > warning:
            errors["response_severe_multiple"] = _("Severe must be above warning.")
        if errors:
            raise ValidationError(errors)


class Snapshot(models.Model):
    """The urgent-service metrics at one moment, as the dashboard's trends read them."""

    taken_at = models.DateTimeField(_("taken at"), unique=True)
    window_start = models.DateTimeField(_("window start"))
    metrics = models.JSONField(_("metrics"))

    class Meta:
        ordering = ["-taken_at"]
        verbose_name = _("metrics snapshot")
        verbose_name_plural = _("metrics snapshots")

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        BACKLOG = "backlog", _("Urgent backlog")
        RESPONSE_TIME = "response_time", _("First response time")
        UTILISATION = "utilisation", _("Urgent lane utilisation")
        ERROR_RATE = "error_rate", _("Error rate")
        BREACHES = "breaches", _("SLA breaches")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        SEVERE = "severe", _("Severe")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    scope = models.CharField(
        _("scope"),
        max_length=40,
        default="overall",
        help_text=_("overall, or tier:CODE for per-tier alerts."),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    message = models.CharField(_("message"), max_length=300)
    value = models.FloatField(_("value"))
    threshold = models.FloatField(_("threshold"))
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_kind_and_scope",
            ),
        ]
        indexes = [
            # The dashboard's open alerts.
            models.Index(fields=["resolved_at", "-opened_at"], name="alert_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.scope})"
