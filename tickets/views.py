from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


@permission_required("tickets.work_queue", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "placeholder.html",
        {"heading": _("Queue"), "explanation": _("The agents' queue board will appear here.")},
    )
