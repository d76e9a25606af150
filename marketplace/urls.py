"""Top-level URLs: the API, the back office, Alipay's notifications, the carrier's tracking
pushes and uploaded media."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from admin.private_files import private_file
from logistics.shipments.views import kuaidi100_callback
from marketplace.agency.views import provider_callback
from marketplace.notifications.views import aliyun_sms_report
from marketplace.payments.views import alipay_notify
from storefront_api.views import GraphQLView

urlpatterns = [
    path("graphql/", GraphQLView.as_view(), name="api"),
    # Before the admin's own catch-all, which would otherwise claim these URLs.
    path("admin/bureau/", include("admin.bureau.urls")),
    path(
        "admin/private-files/<path:name>",
        admin.site.admin_view(private_file),
        name="private-file",
    ),
    path("admin/", admin.site.urls),
    path("counter/", include("marketplace.red_supermarket.counter.urls")),
    path("payments/alipay/notify/", alipay_notify, name="alipay-notify"),
    path("logistics/kuaidi100/callback/", kuaidi100_callback, name="kuaidi100-callback"),
    path("notifications/aliyun/sms-report/", aliyun_sms_report, name="aliyun-sms-report"),
    path("agency/callback/<slug:provider>/", provider_callback, name="agency-callback"),
    # Public media only (product and collection images); files with personal data live
    # outside MEDIA_ROOT (marketplace.core.private_files). Production puts nginx in front.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
