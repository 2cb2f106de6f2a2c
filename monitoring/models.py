from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Thresholds(models.Model):
    """The traffic-light and alert thresholds; a single row edited by supervisors."""

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    backlog_yellow_multiple = models.DecimalField(
        _("backlog yellow at (x urgent agents on shift)"),
        max_digits=5,
        decimal_places=2,
        default=2,
    )
    backlog_red_multiple = models.DecimalField(
        _("backlog red at (x urgent agents on shift)"),
        max_digits=5,
        decimal_places=2,
        default=4,
    )
    response_warning_multiple = models.DecimalField(
        _("response time warning above (x commitment)"),
        max_digits=5,
        decimal_places=2,
        default=1,
    )
    response_severe_multiple = models.DecimalField(
        _("response time severe from (x commitment)"),
        max_digits=5,
        decimal_places=2,
        default=2,
    )
    utilisation_warning = models.DecimalField(
        _("urgent lane utilisation warning at"), max_digits=4, decimal_places=3, default="0.85"
    )
    error_rate_warning = models.DecimalField(
        _("error rate warning at"), max_digits=4, decimal_places=3, default="0.05"
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
        ]

    def __str__(self) -> str:
        return str(_("Monitoring thresholds"))
