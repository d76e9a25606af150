"""Kuaidi100 (快递100): signing, status mapping and the HTTP client.

The protocol, as Kuaidi100 documents it:
- Tracking query: POST form `customer`, `sign`, `param` to `/poll/query.do`, where `param`
  is JSON (`com`, `num`, ...) and `sign = MD5(param + key + customer)`, upper-case hex.
- Subscription: POST form `schema=json`, `param` to `/poll`; `param` carries `company`,
  `number`, `key` and `parameters.callbackurl` / `parameters.salt`.
- Push: Kuaidi100 POSTs form `param` (JSON with `lastResult`) and `sign = MD5(param + salt)`
  to the callback URL, and expects `{"result": true, "returnCode": "200", "message": ...}`.
- Waybill (electronic label) order: POST form `method=order`, `key`, `t`, `param`, `sign`
  to `/label/order`, where `sign = MD5(param + t + key + secret)`.

The HTTP client is the standard library's: the project pins no HTTP package, and these are
four small form POSTs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from logistics.carriers.base import CarrierError, Party, Track, TrackPoint, Waybill
from logistics.shipment_status import ShipmentStatus

CHINA = ZoneInfo("Asia/Shanghai")
TIMEOUT_SECONDS = 10
# Real tracks have tens of events; a push with more is not one we store.
MAX_TRACK_EVENTS = 500

# The carriers the demo ships with (Kuaidi100's company codes) and their names.
CARRIERS: dict[str, str] = {"zhongtong": "中通快递", "youzhengguonei": "邮政快递包裹"}

# Kuaidi100's `state` of a track: 0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签, 5 派件, 6 退回,
# 7 转投, 8 清关, 14 拒签. A problem (2) is a note, not a move.
STATE_TO_STATUS: dict[str, str] = {
    "0": ShipmentStatus.IN_TRANSIT,
    "1": ShipmentStatus.COLLECTED,
    "3": ShipmentStatus.DELIVERED,
    "4": ShipmentStatus.RETURNED,
    "5": ShipmentStatus.OUT_FOR_DELIVERY,
    "6": ShipmentStatus.RETURNED,
    "7": ShipmentStatus.IN_TRANSIT,
    "8": ShipmentStatus.IN_TRANSIT,
    "14": ShipmentStatus.RETURNED,
}
# The finer codes of `resultv2` tracks that have no `state` of their own: 投柜或驿站
# (left at a locker or station) is what a parcel reaching the village station reports.
SUBSTATE_TO_STATUS: dict[str, str] = {
    "501": ShipmentStatus.AT_STATION,
    "201": ShipmentStatus.LOST,
    "202": ShipmentStatus.DAMAGED,
}


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def query_sign(param: str, key: str, customer: str) -> str:
    return md5_upper(param + key + customer)


def push_sign(param: str, salt: str) -> str:
    return md5_upper(param + salt)


def label_sign(param: str, t: str, key: str, secret: str) -> str:
    return md5_upper(param + t + key + secret)


def signs_match(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.strip().upper().encode(), expected.encode())


def status_for(code: str) -> str:
    return SUBSTATE_TO_STATUS.get(code, "") or STATE_TO_STATUS.get(code, "")


def parse_time(text: str) -> datetime:
    """Kuaidi100 gives China local time as 'YYYY-MM-DD HH:MM:SS'."""
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)


def _text(value: object, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; a push carrying one is cleaned, not a 500.
    return str(value).replace("\x00", "")[:limit]


def track_from_result(result: dict[str, Any]) -> Track:
    """A `lastResult` (push) or a query answer as a Track, oldest event first. Raises
    ValueError or KeyError for a shape that is not Kuaidi100's."""
    items = result["data"]
    if not isinstance(items, list) or len(items) > MAX_TRACK_EVENTS:
        raise ValueError("a track is a list of at most MAX_TRACK_EVENTS events")
    points = []
    # Newest first is Kuaidi100's default order; reversed, a stable sort keeps events of
    # the same second in the order they happened.
    for item in reversed(items):
        # With `resultv2` each event carries its own code: a `state` value or a finer one.
        code = str(item.get("statusCode") or "")
        points.append(
            TrackPoint(
                time=parse_time(str(item.get("ftime") or item["time"])),
                description=_text(item["context"], 512),
                carrier_state=_text(code, 8),
                status=status_for(code),
                location=_text(item.get("areaName") or "", 128),
            )
        )
    points.sort(key=lambda p: p.time)
    carrier, number = str(result["com"]), str(result["nu"])
    if not 0 < len(number) <= 32 or len(carrier) > 32 or "\x00" in carrier + number:
        raise ValueError("not a waybill a carrier issues")
    return Track(carrier=carrier, tracking_number=number, points=points)


class Kuaidi100Client:
    """The adapter for Kuaidi100, or for the local sandbox at the same protocol."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        label_base_url: str | None = None,
        key: str | None = None,
        customer: str | None = None,
        secret: str | None = None,
        callback_url: str | None = None,
        callback_salt: str | None = None,
    ) -> None:
        self.base_url = (base_url or settings.KUAIDI100_BASE_URL).rstrip("/")
        # A client pointed at one server (the sandbox serves both APIs) uses it for labels.
        self.label_base_url = (
            label_base_url or base_url or settings.KUAIDI100_LABEL_BASE_URL
        ).rstrip("/")
        self.key = key if key is not None else settings.KUAIDI100_KEY
        self.customer = customer if customer is not None else settings.KUAIDI100_CUSTOMER
        self.secret = secret if secret is not None else settings.KUAIDI100_SECRET
        self.callback_url = callback_url or settings.KUAIDI100_CALLBACK_URL
        self.callback_salt = (
            callback_salt if callback_salt is not None else settings.KUAIDI100_CALLBACK_SALT
        )

    def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        body = urllib.parse.urlencode(form).encode("utf-8")
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise CarrierError(f"Kuaidi100 could not be reached: {exc}") from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CarrierError("Kuaidi100 answered with something that is not JSON.") from exc
        if not isinstance(answer, dict):
            raise CarrierError("Kuaidi100 answered with an unexpected shape.")
        return answer

    @staticmethod
    def _check_carrier(carrier: str) -> None:
        if carrier not in CARRIERS:
            raise CarrierError(f"Unknown carrier {carrier!r}.", code="unknown_carrier")

    def create_waybill(
        self, *, carrier: str, sender: Party, recipient: Party, weight_grams: int, cargo: str
    ) -> Waybill:
        self._check_carrier(carrier)
        param = json.dumps(
            {
                "kuaidicom": carrier,
                "recMan": {
                    "name": recipient.name,
                    "mobile": recipient.mobile,
                    "printAddr": recipient.address,
                },
                "sendMan": {
                    "name": sender.name,
                    "mobile": sender.mobile,
                    "printAddr": sender.address,
                },
                "cargo": cargo,
                "weight": f"{weight_grams / 1000:.3f}",
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        t = str(int(time.time() * 1000))
        answer = self._post(
            f"{self.label_base_url}/label/order",
            {
                "method": "order",
                "key": self.key,
                "t": t,
                "param": param,
                "sign": label_sign(param, t, self.key, self.secret),
            },
        )
        data = answer.get("data") if answer.get("success") else None
        if not isinstance(data, dict) or not data.get("kuaidinum"):
            raise CarrierError(f"Kuaidi100 refused the waybill: {answer.get('message', '')}")
        return Waybill(carrier=carrier, tracking_number=str(data["kuaidinum"]))

    def query(self, *, carrier: str, tracking_number: str) -> Track:
        self._check_carrier(carrier)
        param = json.dumps(
            {"com": carrier, "num": tracking_number, "resultv2": "1"}, separators=(",", ":")
        )
        answer = self._post(
            f"{self.base_url}/poll/query.do",
            {
                "customer": self.customer,
                "sign": query_sign(param, self.key, self.customer),
                "param": param,
            },
        )
        if answer.get("result") is False or str(answer.get("status", "")) != "200":
            raise CarrierError(
                f"Kuaidi100 has no track for {tracking_number}: {answer.get('message', '')}",
                code=str(answer.get("returnCode", "")),
            )
        try:
            return track_from_result(answer)
        except (KeyError, TypeError, ValueError) as exc:
            raise CarrierError("Kuaidi100's track could not be read.") from exc

    def subscribe(self, *, carrier: str, tracking_number: str) -> None:
        self._check_carrier(carrier)
        param = json.dumps(
            {
                "company": carrier,
                "number": tracking_number,
                "key": self.key,
                "parameters": {
                    "callbackurl": self.callback_url,
                    "salt": self.callback_salt,
                    "resultv2": "1",
                },
            },
            separators=(",", ":"),
        )
        answer = self._post(f"{self.base_url}/poll", {"schema": "json", "param": param})
        # 501 is "already subscribed": the subscription we wanted exists.
        if str(answer.get("returnCode")) not in ("200", "501"):
            raise CarrierError(
                f"Kuaidi100 refused the subscription: {answer.get('message', '')}",
                code=str(answer.get("returnCode", "")),
            )


def default_adapter() -> Kuaidi100Client:
    return Kuaidi100Client()
