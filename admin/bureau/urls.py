"""`/admin/bureau/`: every view goes through the admin site's login and staff check."""

from django.contrib import admin
from django.urls import path

from admin.bureau import views

app_name = "bureau"
urlpatterns = [
    path("", admin.site.admin_view(views.bureau_index), name="index"),
    path(
        "township/<int:township_id>/",
        admin.site.admin_view(views.township_dashboard),
        name="township",
    ),
    path("county/<int:county_id>/", admin.site.admin_view(views.county_dashboard), name="county"),
]
