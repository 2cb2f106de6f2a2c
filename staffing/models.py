import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Lane(models.TextChoices):
    URGENT = "urgent", _("Urgent lane")
    NORMAL = "normal", _("Normal lane")


class Skill(models.Model):
    """A competence an agent has; each request category requires one."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class ServiceCalendar(models.Model):
    """Weekly service hours plus holidays, in the project time zone."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("service calendar")
        verbose_name_plural = _("service calendars")

    def __str__(self) -> str:
        return self.name


class ServiceWindow(models.Model):
    """One stretch of service on a weekday. An end of 00:00 means midnight (end of day)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(
        ServiceCalendar,
        on_delete=models.CASCADE,
        related_name="windows",
        verbose_name=_("calendar"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(
        _("ends at"), help_text=_("00:00 means midnight at the end of the day.")
    )

    class Meta:
        ordering = ["calendar", "weekday", "starts_at"]
        verbose_name = _("service window")
        verbose_name_plural = _("service windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")) | Q(ends_at=dt.time(0, 0)),
                name="service_window_ends_after_start",
                violation_error_message=_("A service window must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="service_window_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    @property
    def start_minute(self) -> int:
        return self.starts_at.hour * 60 + self.starts_at.minute

    @property
    def end_minute(self) -> int:
        if self.ends_at == dt.time(0, 0):
            return 24 * 60
        return self.ends_at.hour * 60 + self.ends_at.minute


class Holiday(models.Model):
    calendar = models.ForeignKey(
        ServiceCalendar,
        on_delete=models.CASCADE,
        related_name="holidays",
        verbose_name=_("calendar"),
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class Agent(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        BUSY = "busy", _("Busy")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent",
        verbose_name=_("user"),
    )
    lane = models.CharField(_("lane"), max_length=10, choices=Lane.choices, default=Lane.NORMAL)
    skills = models.ManyToManyField(
        Skill, related_name="agents", blank=True, verbose_name=_("skills")
    )
    max_load = models.PositiveSmallIntegerField(
        _("maximum load"), default=5, help_text=_("Most open requests assigned at once.")
    )
    # Kept by the ticket services with conditional updates so routing never reads
    # a count per agent; see tickets.services.
    open_load = models.PositiveIntegerField(_("open requests assigned"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OFFLINE
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True)
    # Set while a normal-lane agent is lent to the urgent lane (staffing.services).
    borrowed_at = models.DateTimeField(
        _("borrowed by the urgent lane since"), null=True, blank=True
    )

    class Meta:
        # No default ordering: ordering by the user's name would join auth_user into
        # every unordered query (routing, rebalancing, counts); lists order explicitly.
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        permissions = [("manage_staffing", _("Can manage lanes and staffing"))]
        constraints = [
            models.CheckConstraint(condition=Q(max_load__gte=1), name="agent_max_load_positive"),
            models.CheckConstraint(
                condition=Q(borrowed_at__isnull=True) | Q(lane="normal"),
                name="agent_only_normal_lane_is_borrowed",
            ),
        ]
        indexes = [
            # Routing: available agents of one lane.
            models.Index(fields=["lane", "status"], name="agent_lane_status_idx"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def working_lane(self) -> str:
        return Lane.URGENT if self.borrowed_at is not None else self.lane


class Shift(models.Model):
    """A weekly shift in the project time zone. An end at or before the start runs past
    midnight into the next day (22:00-06:00); equal start and end is a 24-hour shift."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("agent")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=ServiceWindow.Weekday.choices)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        ordering = ["agent", "weekday", "starts_at"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="shift_weekday_range"
            ),
        ]
        indexes = [
            # "Who is on shift now": shifts of one weekday.
            models.Index(fields=["weekday", "starts_at"], name="shift_weekday_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class LaneSettings(models.Model):
    class RoutingMode(models.TextChoices):
        LEAST_LOADED = "least_loaded", _("Least loaded (ties: idle longest)")
        ROUND_ROBIN = "round_robin", _("Round robin")

    lane = models.CharField(_("lane"), max_length=10, choices=Lane.choices, unique=True)
    routing_mode = models.CharField(
        _("routing mode"),
        max_length=20,
        choices=RoutingMode.choices,
        default=RoutingMode.LEAST_LOADED,
    )

    class Meta:
        ordering = ["lane"]
        verbose_name = _("lane settings")
        verbose_name_plural = _("lane settings")

    def __str__(self) -> str:
        return self.get_lane_display()


class LaneChange(models.Model):
    """The record of every borrow and release, with the figures that justified it."""

    class Action(models.TextChoices):
        BORROW = "borrow", _("Borrowed into the urgent lane")
        RELEASE = "release", _("Released back to the normal lane")

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="lane_changes", verbose_name=_("agent")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("at"))
    reason = models.CharField(_("reason"), max_length=300)
    backlog = models.PositiveIntegerField(_("urgent backlog"))
    urgent_agents = models.PositiveIntegerField(_("urgent agents before"))
    normal_agents = models.PositiveIntegerField(_("normal agents before"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("lane change")
        verbose_name_plural = _("lane changes")
        indexes = [
            # The staffing page's recent history.
            models.Index(fields=["-at"], name="lanechange_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.agent_id}"
