"""Aliyun's SmsReport push (HTTP batch mode): a JSON array of delivery receipts.

Aliyun does not sign these pushes, so the configured URL carries a token of ours
(ALIYUN_SMS_REPORT_TOKEN) that is checked here. Aliyun only reads the answer's numeric
`code`; anything but HTTP 200 makes it push again later (1, 5, 10 minutes).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.notifications.delivery import sms_reports_apply


@csrf_exempt
@require_POST
def aliyun_sms_report(request: HttpRequest) -> JsonResponse:
    if not constant_time_compare(request.GET.get("token", ""), settings.ALIYUN_SMS_REPORT_TOKEN):
        return JsonResponse({"code": 403, "msg": "bad token"}, status=403)
    try:
        reports = json.loads(request.body)
    except ValueError:
        return JsonResponse({"code": 400, "msg": "not JSON"}, status=400)
    if not isinstance(reports, list) or not all(isinstance(r, dict) for r in reports):
        return JsonResponse({"code": 400, "msg": "expected a JSON array of reports"}, status=400)
    sms_reports_apply(reports=reports)
    return JsonResponse({"code": 0, "msg": "接收成功"})
