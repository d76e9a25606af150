"""`/agency/callback/<provider>/`: providers' signed result notifications.

The body is verified with that provider's signature (its HMAC key, or its RSA2 public
key), the order (or withdrawal) it names is resolved through the same idempotent service a
query uses, and the answer is the plain text "success" the protocol expects; anything
unverifiable gets "fail" and changes nothing, and so does a provider whose credentials we
cannot load (503: the provider retries once they are fixed).
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.agency.models import AgencyOrder, CashWithdrawal
from marketplace.agency.orders import agency_order_resolve
from marketplace.agency.providers.base import ProviderError, ProviderStatus
from marketplace.agency.providers.http import adapter_for
from marketplace.agency.withdrawals import cash_withdrawal_resolve

logger = logging.getLogger("ruralmart.agency.callback")


@csrf_exempt
@require_POST
def provider_callback(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in settings.AGENCY_PROVIDERS:
        return HttpResponse("fail", status=404, content_type="text/plain")
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        body = None
    try:
        verified = isinstance(body, dict) and adapter_for(provider).verify_callback(body)
    except ProviderError as exc:
        logger.error("callback from %s not checked: %s", provider, exc.message)
        return HttpResponse("fail", status=503, content_type="text/plain")
    if not verified or not isinstance(body, dict):
        logger.warning("unverifiable callback from %s", provider)
        return HttpResponse("fail", status=400, content_type="text/plain")
    status = str(body.get("status") or "")
    if status not in (ProviderStatus.SUCCESS, ProviderStatus.FAILED):
        return HttpResponse("success", content_type="text/plain")
    request_id = str(body.get("request_id") or "")
    provider_order_no = str(body.get("provider_order_no") or "")
    reason = str(body.get("reason") or "")
    order = AgencyOrder.objects.filter(request_id=request_id, item__provider__code=provider).first()
    if order is not None:
        agency_order_resolve(
            order_pk=order.pk, status=status, provider_order_no=provider_order_no, reason=reason
        )
    else:
        withdrawal = CashWithdrawal.objects.filter(
            request_id=request_id, item__provider__code=provider
        ).first()
        if withdrawal is not None:
            cash_withdrawal_resolve(
                withdrawal_pk=withdrawal.pk,
                status=status,
                provider_order_no=provider_order_no,
                reason=reason,
            )
        else:
            logger.warning("callback from %s for unknown request %s", provider, request_id)
    return HttpResponse("success", content_type="text/plain")
