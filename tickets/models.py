from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Range
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from quotas.models import Customer, Level, Source
from staffing.models import Agent, Lane, Skill


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Categories are tried in this order.")
    )
    is_fallback = models.BooleanField(
        _("fallback"),
        default=False,
        help_text=_("Used when no keyword of any category matches."),
    )
    keywords_en = models.TextField(
        _("English keywords"),
        blank=True,
        help_text=_("One per line; matched case-insensitively as whole words."),
    )
    keywords_zh = models.TextField(
        _("Chinese keywords"), blank=True, help_text=_("One per line; matched as substrings.")
    )
    skill = models.ForeignKey(
        Skill,
        on_delete=models.PROTECT,
        related_name="categories",
        verbose_name=_("skill"),
        help_text=_("Agents need this skill to be routed requests of the category."),
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["is_fallback"],
                condition=Q(is_fallback=True),
                name="category_single_fallback",
                violation_error_message=_("Only one category can be the fallback."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class ChecklistItemTemplate(models.Model):
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="checklist_templates",
        verbose_name=_("category"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text_en = models.CharField(_("text (English)"), max_length=200)
    text_zh = models.CharField(_("text (Chinese)"), max_length=200)
    is_required = models.BooleanField(_("required to resolve"), default=True)

    class Meta:
        ordering = ["category", "position"]
        verbose_name = _("checklist item template")
        verbose_name_plural = _("checklist item templates")

    def __str__(self) -> str:
        return self.text_en


class ResponseTemplate(models.Model):
    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Automatic acknowledgement")
        FIRST_REPLY = "first_reply", _("Agent's first reply")

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="response_templates",
        verbose_name=_("category"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), help_text=_("{eta} is replaced by the estimated time."))

    class Meta:
        ordering = ["category", "kind", "language"]
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "kind", "language"], name="response_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}/{self.kind}/{self.language}"


WEIGHT_TOLERANCE = Decimal("0.000001")


class PriorityPolicyQuerySet(models.QuerySet["PriorityPolicy"]):
    def active(self) -> "PriorityPolicy":
        """The newest version is the active one; older versions are history."""
        return self.order_by("-version").first()  # type: ignore[return-value]


class PriorityPolicy(models.Model):
    """A version of the scoring rules. Rows are never edited: a change is a new version."""

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    change_note = models.CharField(_("change note"), max_length=200, blank=True)

    weight_impact = models.DecimalField(_("impact weight"), max_digits=7, decimal_places=6)
    weight_time = models.DecimalField(_("time weight"), max_digits=7, decimal_places=6)
    weight_customer = models.DecimalField(_("customer weight"), max_digits=7, decimal_places=6)
    weight_difficulty = models.DecimalField(_("difficulty weight"), max_digits=7, decimal_places=6)
    impact_full_scale = models.DecimalField(
        _("impact full scale (customers)"), max_digits=10, decimal_places=2
    )
    time_horizon_hours = models.DecimalField(
        _("time horizon (hours)"), max_digits=8, decimal_places=2
    )
    difficulty_max = models.PositiveSmallIntegerField(_("difficulty maximum"))
    strategic_partner_score = models.DecimalField(
        _("strategic partner customer score"), max_digits=7, decimal_places=6
    )

    threshold_p0 = models.DecimalField(_("P0 threshold"), max_digits=7, decimal_places=6)
    threshold_p1 = models.DecimalField(_("P1 threshold"), max_digits=7, decimal_places=6)
    threshold_p2 = models.DecimalField(_("P2 threshold"), max_digits=7, decimal_places=6)

    target_p0_hours = models.DecimalField(
        _("P0 handling target (hours)"), max_digits=6, decimal_places=2
    )
    target_p1_hours = models.DecimalField(
        _("P1 handling target (hours)"), max_digits=6, decimal_places=2
    )
    target_p2_hours = models.DecimalField(
        _("P2 handling target (hours)"), max_digits=6, decimal_places=2
    )

    rescore_interval_minutes = models.PositiveIntegerField(_("re-score interval (minutes)"))
    escalation_interval_minutes = models.PositiveIntegerField(
        _("escalation interval (minutes)"),
        help_text=_("A request waiting this long without a first response is raised a level."),
    )
    warning_ratio = models.DecimalField(
        _("pre-breach warning at (share of target)"),
        max_digits=4,
        decimal_places=3,
        help_text=_("A request is at risk from this share of a target."),
    )
    due_ratio = models.DecimalField(
        _("due warning at (share of target)"),
        max_digits=4,
        decimal_places=3,
        default=Decimal(1),
        help_text=_(
            "A request is due from this share of a target (at most 1); it is breached once "
            "the target itself has passed."
        ),
    )
    reopen_period_days = models.PositiveSmallIntegerField(_("reopen allowed for (days)"))

    objects = PriorityPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("priority policy")
        verbose_name_plural = _("priority policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_p0__gt=F("threshold_p1"))
                & Q(threshold_p1__gt=F("threshold_p2"))
                & Q(threshold_p2__gt=0)
                & Q(threshold_p0__lte=1),
                name="policy_thresholds_descending",
            ),
            models.CheckConstraint(
                condition=Q(
                    impact_full_scale__gt=0, time_horizon_hours__gt=0, difficulty_max__gt=0
                ),
                name="policy_scales_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    weight_impact__gte=0,
                    weight_impact__lte=1,
                    weight_time__gte=0,
                    weight_time__lte=1,
                    weight_customer__gte=0,
                    weight_customer__lte=1,
                    weight_difficulty__gte=0,
                    weight_difficulty__lte=1,
                ),
                name="policy_weights_unit_range",
            ),
            # clean()'s tolerance, plus a tenth of it: SQLite adds the weights as floats,
            # and 0.299999 + 0.3 + 0.2 + 0.2 comes out a hair below 0.999999 there.
            models.CheckConstraint(
                condition=Q(
                    Range(
                        F("weight_impact")
                        + F("weight_time")
                        + F("weight_customer")
                        + F("weight_difficulty"),
                        (
                            Decimal(1) - WEIGHT_TOLERANCE * Decimal("1.1"),
                            Decimal(1) + WEIGHT_TOLERANCE * Decimal("1.1"),
                        ),
                    )
                ),
                name="policy_weights_sum_to_one",
            ),
            models.CheckConstraint(
                condition=Q(strategic_partner_score__gte=0, strategic_partner_score__lte=1),
                name="policy_strategic_partner_unit_range",
            ),
            models.CheckConstraint(
                condition=Q(warning_ratio__gt=0)
                & Q(warning_ratio__lt=F("due_ratio"))
                & Q(due_ratio__lte=1),
                name="policy_warning_ratios_ordered",
            ),
        ]

    def __str__(self) -> str:
        return _("Policy v%(version)s") % {"version": self.version}

    WEIGHT_FIELDS = ("weight_impact", "weight_time", "weight_customer", "weight_difficulty")

    def clean(self) -> None:
        errors: dict[str, list[str | Promise]] = {}

        def add(field: str, message: str | Promise) -> None:
            errors.setdefault(field, []).append(message)

        weights = [getattr(self, name) for name in self.WEIGHT_FIELDS]
        for name, weight in zip(self.WEIGHT_FIELDS, weights, strict=True):
            if weight is not None and not Decimal(0) <= weight <= Decimal(1):
                add(name, _("Each weight must be between 0 and 1."))
        if (
            all(w is not None for w in weights)
            and abs(sum(weights) - Decimal(1)) > WEIGHT_TOLERANCE
        ):
            add(
                "weight_impact",
                _("The four weights must add up to 1 (they add up to %(total)s).")
                % {"total": sum(weights)},
            )
        p0, p1, p2 = self.threshold_p0, self.threshold_p1, self.threshold_p2
        for name, value in (("threshold_p0", p0), ("threshold_p1", p1), ("threshold_p2", p2)):
            if value is not None and not Decimal(0) < value <= Decimal(1):
                add(name, _("Thresholds must be greater than 0 and at most 1."))
        if p0 is not None and p1 is not None and not p0 > p1:
            add("threshold_p1", _("The P1 threshold must be below the P0 threshold."))
        if p1 is not None and p2 is not None and not p1 > p2:
            add("threshold_p2", _("The P2 threshold must be below the P1 threshold."))
        for name in (
            "impact_full_scale",
            "time_horizon_hours",
            "difficulty_max",
            "target_p0_hours",
            "target_p1_hours",
            "target_p2_hours",
            "rescore_interval_minutes",
            "escalation_interval_minutes",
        ):
            value = getattr(self, name)
            if value is not None and value <= 0:
                add(name, _("This must be greater than 0."))
        sp = self.strategic_partner_score
        if sp is not None and not Decimal(0) <= sp <= Decimal(1):
            add("strategic_partner_score", _("The score must be between 0 and 1."))
        warning, due = self.warning_ratio, self.due_ratio
        if warning is not None and not Decimal(0) < warning < Decimal(1):
            add("warning_ratio", _("The warning share must be between 0 and 1 (exclusive)."))
        if due is not None and not Decimal(0) < due <= Decimal(1):
            add("due_ratio", _("The due share must be greater than 0 and at most 1."))
        if warning is not None and due is not None and not warning < due:
            add("due_ratio", _("The due share must be above the warning share."))
        if errors:
            raise ValidationError(errors)


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> "TicketQuerySet":
        # Django writes on_board=True as a bare `WHERE on_board`, which SQLite does not
        # match to an index; `on_board IN (true)` it does, as PostgreSQL does both.
        return self.filter(on_board__in=[True])

    def waiting_for_agent(self) -> "TicketQuerySet":
        """In the queue with nobody on it: the backlog the lights and lane borrowing read,
        what claim-next hands out, and what a customer's request waits behind. Intake
        stores requests as queued or assigned, never as new."""
        return self.filter(status=Ticket.Status.QUEUED, assignee__isnull=True)


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        QUEUED = "queued", _("Queued")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING_ON_CUSTOMER = "waiting", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        MERGED = "merged", _("Merged")
        CANCELLED = "cancelled", _("Cancelled")

        @classmethod
        def open_values(cls) -> list[str]:
            return [cls.NEW, cls.QUEUED, cls.ASSIGNED, cls.IN_PROGRESS, cls.WAITING_ON_CUSTOMER]

    class SlaState(models.TextChoices):
        OK = "ok", _("On track")
        WARNING = "warning", _("At risk")
        DUE = "due", _("Due")
        BREACHED = "breached", _("Breached")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    impact_scope = models.PositiveIntegerField(_("affected customers"))
    time_window_hours = models.DecimalField(
        _("time window (hours)"), max_digits=6, decimal_places=2
    )
    difficulty = models.PositiveSmallIntegerField(_("difficulty (1-5)"))
    requested_level = models.CharField(
        _("requested level"), max_length=2, choices=Level.choices, blank=True
    )
    quota_source = models.CharField(
        _("paid from"),
        max_length=20,
        choices=Source.choices,
        blank=True,
        help_text=_("Where the urgent credit came from; empty for regular requests."),
    )

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    # Whether the status is an open one, kept by the database itself. An index can lead
    # with it: SQLite never uses an index whose condition is `status IN (...)`, because
    # the query's list arrives as parameters it cannot compare with the index's.
    on_board = models.GeneratedField(
        expression=models.ExpressionWrapper(
            Q(status__in=Status.open_values()), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("on the board"),
    )
    level = models.CharField(_("level"), max_length=2, choices=Level.choices)
    # The level at intake: monitoring counts urgent requests and their overflow by it.
    initial_level = models.CharField(
        _("level at intake"), max_length=2, choices=Level.choices, blank=True
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=6)
    impact_score = models.DecimalField(_("impact component"), max_digits=7, decimal_places=6)
    time_score = models.DecimalField(_("time component"), max_digits=7, decimal_places=6)
    customer_score = models.DecimalField(_("customer component"), max_digits=7, decimal_places=6)
    difficulty_score = models.DecimalField(
        _("difficulty component"), max_digits=7, decimal_places=6
    )
    policy = models.ForeignKey(
        PriorityPolicy,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("policy version"),
    )
    scored_at = models.DateTimeField(_("scored at"))
    # Re-scoring never lowers the level below this floor (escalation or override).
    escalated_level = models.CharField(
        _("escalated to"), max_length=2, choices=Level.choices, blank=True
    )
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    override_level = models.CharField(
        _("override level"), max_length=2, choices=Level.choices, blank=True
    )
    override_reason = models.CharField(_("override reason"), max_length=300, blank=True)

    lane = models.CharField(_("lane"), max_length=10, choices=Lane.choices)
    assignee = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("assignee"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("merged into"),
    )

    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    first_response_due = models.DateTimeField(_("first response due"))
    handling_due = models.DateTimeField(_("handling due"))
    first_response_warn_at = models.DateTimeField(_("first response at risk from"))
    handling_warn_at = models.DateTimeField(_("handling at risk from"))
    # When each clock reaches the policy's due share (at its due time by default).
    first_response_due_warn_at = models.DateTimeField(_("first response due from"))
    handling_due_warn_at = models.DateTimeField(_("handling due from"))
    # When the aging rule next raises the level if nobody has answered (service hours).
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # SLA clocks stop while waiting on the customer: the service time spent waiting
    # pushes every due time out (tickets.services.sla).
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_service = models.DurationField(_("service time paused"), default=timedelta(0))
    sla_state = models.CharField(
        _("SLA state"), max_length=10, choices=SlaState.choices, default=SlaState.OK
    )
    # Counters kept by the workflow services so monitoring aggregates without joins.
    agent_reply_count = models.PositiveIntegerField(_("agent replies"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    error_flagged_at = models.DateTimeField(_("handling error flagged at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["level", "handling_due", "-score"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        permissions = [
            ("work_queue", _("Can work the request queue")),
            ("override_level", _("Can override a request's level")),
            ("act_on_any", _("Can act on any request, not only their own")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=5),
                name="ticket_difficulty_range",
                violation_error_message=_("Difficulty must be between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=Q(time_window_hours__gt=0, time_window_hours__lte=720),
                name="ticket_time_window_range",
                violation_error_message=_("The time window must be over 0 and at most 720 hours."),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="ticket_score_unit_range"
            ),
            models.CheckConstraint(
                condition=~Q(override_level="") | Q(override_reason=""),
                name="ticket_override_reason_only_with_override",
            ),
            models.CheckConstraint(
                condition=Q(override_level="") | ~Q(override_reason=""),
                name="ticket_override_needs_reason",
                violation_error_message=_("An override needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(status="merged"),
                name="ticket_only_merged_have_parent",
            ),
        ]
        indexes = [
            # The queue board and claim-next: open requests by level, due time, score.
            models.Index(fields=["status", "level", "handling_due"], name="ticket_queue_order_idx"),
            # The board's first page, read in board order without sorting every open row,
            # and its counts, from the index alone.
            models.Index(
                fields=["on_board", "level", "handling_due", "-score"],
                name="ticket_board_order_idx",
            ),
            # Customer portal: one account's requests, newest first.
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_recent_idx"),
            # Monitoring windows and seed/bench ranges.
            models.Index(fields=["created_at"], name="ticket_created_idx"),
            # An agent's open work ("My work").
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            # Monitoring windows: responses, resolutions and breaches in a period.
            models.Index(fields=["first_response_at"], name="ticket_first_response_idx"),
            models.Index(fields=["resolved_at"], name="ticket_resolved_idx"),
            models.Index(fields=["breached_at"], name="ticket_breached_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in Ticket.Status.open_values()

    @property
    def is_waiting_for_agent(self) -> bool:
        """TicketQuerySet.waiting_for_agent for one loaded request."""
        return self.status == Ticket.Status.QUEUED and self.assignee_id is None


class ChecklistItem(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("request")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text_en = models.CharField(_("text (English)"), max_length=200)
    text_zh = models.CharField(_("text (Chinese)"), max_length=200)
    is_required = models.BooleanField(_("required to resolve"), default=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )

    class Meta:
        ordering = ["ticket", "position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "position"], name="checklist_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text_en

    @property
    def text(self) -> str:
        return self.text_zh if (get_language() or "").startswith("zh") else self.text_en


class TicketEvent(models.Model):
    """The audit trail: every change of score, level, lane, assignee or status."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        SCORED = "scored", _("Scored")
        LEVEL_CHANGED = "level", _("Level changed")
        ESCALATED = "escalated", _("Escalated")
        OVERRIDDEN = "overridden", _("Level overridden")
        OVERRIDE_CLEARED = "override_cleared", _("Override cleared")
        CATEGORISED = "categorised", _("Category changed")
        LANE_CHANGED = "lane", _("Lane changed")
        ASSIGNED = "assigned", _("Assignee changed")
        STATUS_CHANGED = "status", _("Status changed")
        SLA_CHANGED = "sla", _("SLA state changed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledgement sent")
        REPLY = "reply", _("Reply to customer")
        NOTE = "note", _("Internal note")
        CHECKLIST = "checklist", _("Checklist item ticked")
        CUSTOMER_REPLY = "customer_reply", _("Customer replied")
        MERGED = "merged", _("Merged")
        ERROR_FLAGGED = "error", _("Handling error flagged")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for the system (jobs and automatic rules)."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    old_value = models.CharField(_("from"), max_length=100, blank=True)
    new_value = models.CharField(_("to"), max_length=100, blank=True)
    reason = models.CharField(_("why"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    is_public = models.BooleanField(_("visible to the customer"), default=False)

    class Meta:
        ordering = ["ticket", "at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        indexes = [
            # The request page's timeline.
            models.Index(fields=["ticket", "at"], name="event_ticket_timeline_idx"),
            # Monitoring's error rate: reopen and error-flag events in a time window.
            models.Index(fields=["kind", "at"], name="event_kind_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.old_value}->{self.new_value}"


class Satisfaction(models.Model):
    """The customer's rating of a resolved request (CSAT, 1 to 5)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="satisfaction", verbose_name=_("request")
    )
    score = models.PositiveSmallIntegerField(_("rating (1-5)"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="satisfaction_score_range",
                violation_error_message=_("A rating is from 1 to 5."),
            ),
        ]
        indexes = [
            # Monitoring: ratings given in a window.
            models.Index(fields=["at"], name="satisfaction_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"
