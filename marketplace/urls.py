"""Top-level URLs: the API, the back office and uploaded media."""

from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.static import serve

from storefront_api.views import GraphQLView

urlpatterns = [
    path("graphql/", GraphQLView.as_view(), name="api"),
    path("admin/", admin.site.urls),
    # Media is small and local in the demo; production puts a CDN or nginx in front.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
