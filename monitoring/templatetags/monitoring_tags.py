from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

WIDTH, HEIGHT, PAD = 300, 60, 4
LIGHT_CLASSES = {
    "green": "text-bg-success",
    "normal": "text-bg-success",
    "yellow": "text-bg-warning",
    "warning": "text-bg-warning",
    "red": "text-bg-danger",
    "severe": "text-bg-danger",
    "none": "text-bg-secondary",
}


@register.simple_tag
def sparkline(values: list[float | None], label: str) -> SafeString:
    """A trend as an inline SVG polyline drawn by the server (no charting library)."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return format_html('<p class="small text-body-secondary mb-0">{}</p>', _("no data yet"))
    top = max(v for _i, v in points) or 1
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    coords = format_html_join(
        " ",
        "{},{}",
        (
            (round(PAD + i * step, 1), round(HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD), 1))
            for i, v in points
        ),
    )
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="100%" height="{h}" role="img" '
        'aria-label="{label}"><polyline fill="none" stroke="currentColor" stroke-width="2" '
        'points="{coords}"/></svg>',
        w=WIDTH,
        h=HEIGHT,
        label=label,
        coords=coords,
    )


LIGHT_LABELS = {
    "green": gettext_lazy("green"),
    "normal": gettext_lazy("normal"),
    "yellow": gettext_lazy("yellow"),
    "warning": gettext_lazy("warning"),
    "red": gettext_lazy("red"),
    "severe": gettext_lazy("severe"),
    "none": gettext_lazy("no data"),
}


@register.simple_tag
def light(state: str, text: str | None = None) -> SafeString:
    """A light's badge; `data-state` keeps the untranslated state for tests and styling."""
    return format_html(
        '<span class="badge {} light" data-state="{}">{}</span>',
        LIGHT_CLASSES.get(state, "text-bg-secondary"),
        state,
        text if text is not None else LIGHT_LABELS.get(state, state),
    )


@register.filter
def percent(value: float | None) -> str:
    return str(_("no data")) if value is None else f"{value:.0%}"


@register.filter
def number(value: float | None, places: int = 1) -> str:
    return str(_("no data")) if value is None else f"{value:.{places}f}"


@register.filter
def plain(value: Decimal | float) -> str:
    """A threshold as typed: 2, 3.5 or 0.125, without trailing zeros."""
    return format(Decimal(str(value)).normalize(), "f")


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key)
