from django.urls import path

from . import portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
    path("quota/", portal_views.quota, name="quota"),
    path("guide/", portal_views.guide, name="guide"),
    path("requests/new/", portal_views.new_request, name="new_request"),
    path("requests/<str:reference>/", portal_views.request_detail, name="request"),
    path("requests/<str:reference>/reply/", portal_views.reply, name="reply"),
    path("requests/<str:reference>/rate/", portal_views.rate_request, name="rate"),
]
