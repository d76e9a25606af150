from django.urls import path

from marketplace.red_supermarket.counter import views

app_name = "counter"

urlpatterns = [
    path("", views.counter_page, name="page"),
    path("qr.svg", views.qr_code_svg, name="qr"),
    path("assets/<str:name>", views.counter_asset, name="asset"),
    path("receipts/<str:number>.pdf", views.receipt_pdf_view, name="receipt-pdf"),
    path("receipts/<str:number>/", views.receipt_page, name="receipt"),
]
