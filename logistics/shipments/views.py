"""Kuaidi100's push callback. Thin: read the form, call `tracking_push_apply`, answer in
Kuaidi100's format (`result`, `returnCode`, `message`).

Only `returnCode` "200" tells Kuaidi100 to stop retrying; refusals carry our error code in
`code` and an HTTP status that says what went wrong (400 malformed, 403 forged, 404 unknown
waybill). A stale push (a status behind ours) is accepted: its events are history, and the
shipment simply does not move back.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from logistics.shipments.services import TrackingPushRefused, tracking_push_apply

logger = logging.getLogger("ruralmart.logistics")


def _answer(ok: bool, message: str, status: int = 200, code: str = "") -> JsonResponse:
    body = {"result": ok, "returnCode": str(status), "message": message}
    if code:
        body["code"] = code
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def kuaidi100_callback(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _answer(False, "POST only.", 405, "malformed_push")
    try:
        form = request.POST
    except (MultiPartParserError, UnicodeDecodeError):
        return _answer(False, "The body is not a form.", 400, "malformed_push")
    try:
        outcome = tracking_push_apply(param=form.get("param", ""), sign=form.get("sign", ""))
    except TrackingPushRefused as refused:
        logger.warning("kuaidi100 push refused: %s", refused.message)
        return _answer(False, refused.message, refused.http_status, refused.code.value)
    message = "成功" if not outcome.stale else "成功 (stale status ignored)"
    return _answer(True, message)
