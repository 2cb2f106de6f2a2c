from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/rows/", views.queue_rows, name="queue_rows"),
    path("queue/claim-next/", views.claim, name="claim_next"),
    # Before the request page, which would take "new" for a reference.
    path("tickets/new/", views.new_request, name="new_request"),
    path("tickets/<str:reference>/", views.detail, name="detail"),
    path("tickets/<str:reference>/manage/", views.manage, name="manage"),
    path("tickets/<str:reference>/override/", views.override, name="override"),
    path("tickets/<str:reference>/clear-override/", views.clear, name="clear_override"),
    path("tickets/<str:reference>/act/<slug:action>/", views.act, name="act"),
]
