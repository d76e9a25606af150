"""Alipay's asynchronous notification endpoint: `/payments/alipay/notify/`.

Thin: the form goes to `services.alipay_notification_handle`, whose answer ("success" or
"fail") goes back as plain text, exactly as Alipay expects. CSRF-exempt because Alipay
signs the request instead.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.payments.notify import alipay_notification_handle


@csrf_exempt
@require_POST
def alipay_notify(request: HttpRequest) -> HttpResponse:
    answer = alipay_notification_handle(params=request.POST.dict())
    return HttpResponse(answer, content_type="text/plain; charset=utf-8")
