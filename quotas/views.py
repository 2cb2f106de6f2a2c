from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .forms import PeriodForm, PurchaseForm
from .models import LedgerEntry
from .services import charges_csv, period_of, record_purchase

billing_only = permission_required("quotas.record_purchase", raise_exception=True)


@billing_only
def billing(request: HttpRequest) -> HttpResponse:
    """Supervisors record bundles and subscriptions, and export a month's charges."""
    purchase_form = PurchaseForm(request.POST or None)
    if request.method == "POST" and purchase_form.is_valid():
        try:
            record_purchase(recorded_by=request.user, **purchase_form.cleaned_data)
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Purchase recorded; the credits are available now."))
            return redirect("quotas:billing")
    period_form = PeriodForm(request.GET or None, initial={"period": period_of(timezone.now())})
    if period_form.is_bound and period_form.is_valid():
        period = period_form.cleaned_data["period"]
        response = HttpResponse(charges_csv(period=period), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="charges-{period}.csv"'
        return response
    recent = LedgerEntry.objects.exclude(amount=0).select_related("customer")[:20]
    return render(
        request,
        "quotas/billing.html",
        {"purchase_form": purchase_form, "period_form": period_form, "recent": recent},
    )
