from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


@permission_required("quotas.use_portal", raise_exception=True)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "placeholder.html",
        {
            "heading": _("My requests"),
            "explanation": _("Your quota and your requests will appear here."),
        },
    )
