"""The counter's pages: the operator's single page (`/counter/`, which talks to the GraphQL
API only), its ES modules, and receipts as a 58 mm page or a PDF. Receipts are for the
supermarket's operators, its shop's managers, its township's officers and platform admins
(session or Bearer token); opening one counts a reprint."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import render
from django.views.decorators.http import require_GET

from marketplace.accounts.models import User
from marketplace.red_supermarket.counter.selectors import receipt_by_number
from marketplace.red_supermarket.models import Receipt
from marketplace.red_supermarket.receipt_render import (
    qr_svg,
    receipt_lines,
    receipt_pdf,
    receipt_title,
)
from marketplace.red_supermarket.receipts import receipt_mark_reprinted
from marketplace.red_supermarket.selectors import can_view_supermarket

ASSETS = Path(__file__).resolve().parent / "static" / "counter"
# The page's panels, in tab order; another panel is one more module here and in ASSETS.
PANELS = [
    {"id": "sales", "title": "收银", "module": "sales.js"},
    {"id": "till", "title": "钱箱", "module": "till.js"},
    {"id": "online-cash", "title": "网店收现", "module": "online_cash.js"},
    {"id": "agency", "title": "代办", "module": "agency.js"},
    {"id": "tickets", "title": "票务", "module": "tickets.js"},
    {"id": "parcels", "title": "快递", "module": "parcels.js"},
    {"id": "receipts", "title": "回执", "module": "receipts.js"},
]


@require_GET
def counter_page(request: HttpRequest) -> HttpResponse:
    config = {"pollMs": int(float(getattr(settings, "COUNTER_ALIPAY_POLL_SECONDS", 2)) * 1000)}
    return render(request, "counter/index.html", {"panels": PANELS, "config": config})


@require_GET
def counter_asset(request: HttpRequest, name: str) -> FileResponse:
    path = (ASSETS / name).resolve()
    if path.parent != ASSETS or not path.is_file():
        raise Http404(name)
    kind = "text/javascript" if path.suffix == ".js" else mimetypes.guess_type(path.name)[0]
    response = FileResponse(path.open("rb"), content_type=f"{kind or 'text/plain'}; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def _receipt_for(request: HttpRequest, number: str) -> Receipt:
    receipt = receipt_by_number(number=number)
    user = request.user if isinstance(request.user, User) else None
    if receipt is None or not can_view_supermarket(user=user, supermarket=receipt.supermarket):
        # The same answer for "no such receipt" and "not yours": numbers are guessable.
        raise Http404("No such receipt.")
    if request.GET.get("reprint") == "1":
        receipt_mark_reprinted(receipt=receipt)
        receipt.refresh_from_db(fields=["reprint_count"])
    return receipt


@require_GET
def receipt_page(request: HttpRequest, number: str) -> HttpResponse:
    receipt = _receipt_for(request, number)
    return render(
        request,
        "counter/receipt.html",
        {"receipt": receipt, "title": receipt_title(receipt), "lines": receipt_lines(receipt)},
    )


@require_GET
def receipt_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    receipt = _receipt_for(request, number)
    response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt.number}.pdf"'
    return response


@require_GET
def qr_code_svg(request: HttpRequest) -> HttpResponse:
    """The QR the buyer scans for an ALIPAY_QR sale, drawn here (an <img> cannot carry the
    operator's token, and the text is only Alipay's pay link)."""
    text = request.GET.get("text", "")
    if not text or len(text) > 512:
        return HttpResponseBadRequest("text: 1 to 512 characters")
    return HttpResponse(qr_svg(text), content_type="image/svg+xml")
