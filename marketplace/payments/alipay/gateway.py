"""The Alipay adapter: the one place that talks to Alipay's open-API gateway.

In: a typed `AlipayConfig` (app ID, keys, gateway URL, notify/return URLs). Out: signed pay
URLs, QR codes, trade status, refund results and verified notifications as small frozen
dataclasses with Decimal amounts, or a typed `AlipayError`. It wraps python-alipay-sdk and
works the same against the real gateway and against the local sandbox
(`marketplace.payments.alipay.sandbox`); `gateway_from_settings()` picks one from Django
settings. It never touches the database: recording payments is the payments services' job.
"""

from __future__ import annotations

import functools
import http.client
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.error import URLError

from Cryptodome.PublicKey import RSA
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from marketplace.payments.alipay import keys
from marketplace.payments.alipay._sdk import (
    AliPay,
    AliPayConfig,
    AliPayException,
    AliPayValidationError,
)
from marketplace.payments.alipay.protocol import (
    SUCCESS_CODE,
    SYSTEM_ERROR,
    TRADE_NOT_EXIST,
    Method,
    TradeState,
    format_amount,
    format_time,
    parse_amount,
    parse_time,
)

logger = logging.getLogger("ruralmart.payments.alipay")

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8001/gateway.do"
# The seller (merchant) user ID the sandbox reports when none is configured.
SANDBOX_SELLER_ID = "2088000000000001"
RETURN_METHODS = frozenset({f"{Method.PAGE_PAY}.return", f"{Method.WAP_PAY}.return"})


class AlipayError(Exception):
    """Alipay refused or could not be reached.

    `code`/`sub_code` are Alipay's (e.g. "40004" / "ACQ.TRADE_NOT_EXIST"); failures on our
    side of the wire use the pseudo-codes NETWORK and INVALID_RESPONSE.
    """

    NETWORK = "NETWORK"
    INVALID_RESPONSE = "INVALID_RESPONSE"

    def __init__(self, code: str, sub_code: str = "", message: str = "") -> None:
        self.code = code
        self.sub_code = sub_code
        self.message = message
        super().__init__(f"Alipay error {code} {sub_code}: {message}".strip())

    @property
    def retryable(self) -> bool:
        """Worth trying again with the same arguments (the outcome is unknown or transient)."""
        return self.code in (
            self.NETWORK,
            self.INVALID_RESPONSE,
            "20000",
        ) or self.sub_code.endswith(SYSTEM_ERROR)


class NotificationRejected(Exception):
    """An async notification or sync return that must not be trusted; `reason` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    app_private_key_pem: str = field(repr=False)
    alipay_public_key_pem: str = field(repr=False)
    gateway_url: str
    notify_url: str | None = None
    return_url: str | None = None
    # When set, notifications and returns for any other seller are rejected.
    seller_id: str | None = None
    sandbox: bool = False
    timeout: float = 10.0


@dataclass(frozen=True)
class TradeStatus:
    out_trade_no: str
    trade_status: TradeState
    trade_no: str | None = None
    total_amount: Decimal | None = None
    buyer_pay_amount: Decimal | None = None
    buyer_user_id: str | None = None
    buyer_logon_id: str | None = None
    send_pay_date: datetime | None = None

    @property
    def exists(self) -> bool:
        return self.trade_status is not TradeState.NOT_EXIST

    @property
    def is_paid(self) -> bool:
        return self.trade_status.is_paid


@dataclass(frozen=True)
class RefundResult:
    out_trade_no: str
    out_request_no: str
    trade_no: str | None
    # This request's amount, and the trade's cumulative refunded amount after it.
    refund_amount: Decimal
    refund_fee: Decimal | None
    # False when Alipay moved no money this time, e.g. a retry of a refund already made.
    fund_change: bool
    gmt_refund_pay: datetime | None = None


@dataclass(frozen=True)
class VerifiedNotification:
    notify_id: str
    notify_type: str
    notify_time: datetime | None
    app_id: str
    seller_id: str
    out_trade_no: str
    trade_no: str
    trade_status: TradeState
    total_amount: Decimal
    receipt_amount: Decimal | None
    buyer_pay_amount: Decimal | None
    buyer_id: str
    buyer_logon_id: str
    gmt_payment: datetime | None
    # Set on notifications caused by a refund.
    refund_fee: Decimal | None
    out_biz_no: str
    gmt_refund: datetime | None
    gmt_close: datetime | None
    # Everything Alipay sent, signature included, for the audit trail.
    params: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class VerifiedReturn:
    """The signed parameters Alipay appends when it sends the buyer back to return_url.

    Only good for showing the buyer a page: payment is confirmed by the async notification
    (or a query), never by the browser coming back.
    """

    out_trade_no: str
    trade_no: str
    total_amount: Decimal
    seller_id: str
    timestamp: datetime | None


class _AliPay(AliPay):
    """The SDK client, with parsed keys shared between instances: PyCryptodome spends
    ~0.1 s validating an RSA private key, on every construction otherwise."""

    def _load_key(self) -> None:
        self._app_private_key = _import_rsa_key(self._app_private_key_string)
        self._alipay_public_key = _import_rsa_key(self._alipay_public_key_string)


@functools.lru_cache(maxsize=16)
def _import_rsa_key(pem: str) -> Any:
    return RSA.importKey(pem)


class AlipayGateway:
    def __init__(self, config: AlipayConfig) -> None:
        self.config = config
        self._sdk = _AliPay(
            appid=config.app_id,
            app_notify_url=config.notify_url,
            app_private_key_string=keys.normalise_pem(config.app_private_key_pem, private=True),
            alipay_public_key_string=keys.normalise_pem(
                config.alipay_public_key_pem, private=False
            ),
            sign_type="RSA2",
            config=AliPayConfig(timeout=config.timeout),
        )
        # The SDK only knows Alipay's production and sandbox hosts; this private attribute
        # is where it keeps the URL it signs requests for.
        self._sdk._gateway = config.gateway_url

    @property
    def is_sandbox(self) -> bool:
        return self.config.sandbox

    # --- paying -------------------------------------------------------------------------

    def page_pay_url(
        self,
        *,
        out_trade_no: str,
        total_amount: Decimal,
        subject: str,
        time_expire: datetime | None = None,
        return_url: str | None = None,
    ) -> str:
        """The desktop cashier URL (`alipay.trade.page.pay`) to send the buyer's browser to."""
        return self._cashier_url(
            self._sdk.api_alipay_trade_page_pay,
            out_trade_no=out_trade_no,
            total_amount=total_amount,
            subject=subject,
            return_url=return_url,
            **_expiry(time_expire),
        )

    def wap_pay_url(
        self,
        *,
        out_trade_no: str,
        total_amount: Decimal,
        subject: str,
        time_expire: datetime | None = None,
        return_url: str | None = None,
        quit_url: str | None = None,
    ) -> str:
        """The mobile-browser cashier URL (`alipay.trade.wap.pay`)."""
        extra = _expiry(time_expire)
        if quit_url:
            extra["quit_url"] = quit_url
        return self._cashier_url(
            self._sdk.api_alipay_trade_wap_pay,
            out_trade_no=out_trade_no,
            total_amount=total_amount,
            subject=subject,
            return_url=return_url,
            **extra,
        )

    def _cashier_url(
        self,
        api: Callable[..., str],
        *,
        out_trade_no: str,
        total_amount: Decimal,
        subject: str,
        return_url: str | None,
        **extra: Any,
    ) -> str:
        """A signed cashier URL from one of the SDK's page-building calls."""
        query = api(
            subject=subject,
            out_trade_no=out_trade_no,
            total_amount=format_amount(total_amount),
            return_url=return_url or self.config.return_url,
            notify_url=self.config.notify_url,
            **extra,
        )
        return f"{self.config.gateway_url}?{query}"

    def precreate(
        self,
        *,
        out_trade_no: str,
        total_amount: Decimal,
        subject: str,
        time_expire: datetime | None = None,
    ) -> str:
        """Create a face-to-face trade (`alipay.trade.precreate`); returns the QR code text."""
        response = self._call(
            Method.PRECREATE,
            lambda: self._sdk.api_alipay_trade_precreate(
                subject=subject,
                out_trade_no=out_trade_no,
                total_amount=format_amount(total_amount),
                notify_url=self.config.notify_url,
                **_expiry(time_expire),
            ),
        )
        qr_code = response.get("qr_code")
        if not qr_code:
            raise AlipayError(AlipayError.INVALID_RESPONSE, "", "precreate returned no qr_code")
        return str(qr_code)

    # --- asking and undoing -------------------------------------------------------------

    def query(self, *, out_trade_no: str) -> TradeStatus:
        """The trade as Alipay sees it; NOT_EXIST until the buyer has opened or scanned it."""
        try:
            response = self._call(
                Method.QUERY, lambda: self._sdk.api_alipay_trade_query(out_trade_no=out_trade_no)
            )
        except AlipayError as exc:
            if exc.sub_code == TRADE_NOT_EXIST:
                return TradeStatus(out_trade_no=out_trade_no, trade_status=TradeState.NOT_EXIST)
            raise
        try:
            state = TradeState(response.get("trade_status", ""))
        except ValueError as exc:
            raise AlipayError(
                AlipayError.INVALID_RESPONSE, "", f"unknown trade_status {response!r}"
            ) from exc
        return TradeStatus(
            out_trade_no=response.get("out_trade_no") or out_trade_no,
            trade_status=state,
            trade_no=response.get("trade_no"),
            total_amount=parse_amount(response.get("total_amount")),
            buyer_pay_amount=parse_amount(response.get("buyer_pay_amount")),
            buyer_user_id=response.get("buyer_user_id"),
            buyer_logon_id=response.get("buyer_logon_id"),
            send_pay_date=parse_time(response.get("send_pay_date")),
        )

    def refund(
        self,
        *,
        out_trade_no: str,
        out_request_no: str,
        refund_amount: Decimal,
        reason: str = "",
    ) -> RefundResult:
        """Refund part or all of a paid trade (`alipay.trade.refund`).

        Idempotent by `out_request_no`: Alipay refunds each request number once, and a retry
        with the same number and amount answers success with `fund_change` False. After an
        AlipayError whose `retryable` is True the outcome is unknown: retry with the same
        `out_request_no`, or ask `refund_query`.
        """
        amount = format_amount(refund_amount)
        extra: dict[str, str] = {"out_request_no": out_request_no}
        if reason:
            extra["refund_reason"] = reason
        response = self._call(
            Method.REFUND,
            lambda: self._sdk.api_alipay_trade_refund(amount, out_trade_no=out_trade_no, **extra),
        )
        return RefundResult(
            out_trade_no=response.get("out_trade_no") or out_trade_no,
            out_request_no=out_request_no,
            trade_no=response.get("trade_no"),
            refund_amount=refund_amount,
            refund_fee=parse_amount(response.get("refund_fee")),
            fund_change=response.get("fund_change") == "Y",
            gmt_refund_pay=parse_time(response.get("gmt_refund_pay")),
        )

    def refund_query(self, *, out_trade_no: str, out_request_no: str) -> RefundResult | None:
        """The refund made under `out_request_no` (`alipay.trade.fastpay.refund.query`),
        or None when Alipay has no successful refund by that number."""
        response = self._call(
            Method.REFUND_QUERY,
            lambda: self._sdk.api_alipay_trade_fastpay_refund_query(
                out_request_no, out_trade_no=out_trade_no
            ),
        )
        amount = parse_amount(response.get("refund_amount"))
        if response.get("refund_status") != "REFUND_SUCCESS" or amount is None:
            return None
        return RefundResult(
            out_trade_no=response.get("out_trade_no") or out_trade_no,
            out_request_no=response.get("out_request_no") or out_request_no,
            trade_no=response.get("trade_no"),
            refund_amount=amount,
            refund_fee=None,
            fund_change=False,
            gmt_refund_pay=parse_time(response.get("gmt_refund_pay")),
        )

    def close(self, *, out_trade_no: str) -> bool:
        """Close an unpaid trade (`alipay.trade.close`) so it can no longer be paid.

        True when Alipay closed it; False when Alipay never had it (the buyer never opened
        the pay page: pass `time_expire` when creating the URL so it cannot be paid later).
        A paid trade is refused with AlipayError sub_code ACQ.TRADE_STATUS_ERROR.
        """
        try:
            self._call(
                Method.CLOSE, lambda: self._sdk.api_alipay_trade_close(out_trade_no=out_trade_no)
            )
        except AlipayError as exc:
            if exc.sub_code == TRADE_NOT_EXIST:
                return False
            raise
        return True

    # --- what Alipay sends us -----------------------------------------------------------

    def verify_notification(self, params: Mapping[str, str]) -> VerifiedNotification | None:
        """The notification if it is authentic and addressed to us; None (logged) if not."""
        try:
            return self.check_notification(params)
        except NotificationRejected as exc:
            logger.warning(
                "Alipay notification rejected: %s (out_trade_no=%s notify_id=%s)",
                exc.reason,
                params.get("out_trade_no"),
                params.get("notify_id"),
            )
            return None

    def check_notification(self, params: Mapping[str, str]) -> VerifiedNotification:
        """Like `verify_notification`, but raises NotificationRejected with the reason."""
        data = self._check_signed(params)
        try:
            state = TradeState(data.get("trade_status", ""))
        except ValueError as exc:
            status = data.get("trade_status")
            raise NotificationRejected(f"unknown trade_status {status!r}") from exc
        if state is TradeState.NOT_EXIST:
            raise NotificationRejected("unknown trade_status 'NOT_EXIST'")
        total = parse_amount(data.get("total_amount"))
        if total is None:
            raise NotificationRejected(f"bad total_amount {data.get('total_amount')!r}")
        for required in ("out_trade_no", "trade_no", "notify_id"):
            if not data.get(required):
                raise NotificationRejected(f"missing {required}")
        return VerifiedNotification(
            notify_id=data["notify_id"],
            notify_type=data.get("notify_type", ""),
            notify_time=parse_time(data.get("notify_time")),
            app_id=data["app_id"],
            seller_id=data.get("seller_id", ""),
            out_trade_no=data["out_trade_no"],
            trade_no=data["trade_no"],
            trade_status=state,
            total_amount=total,
            receipt_amount=parse_amount(data.get("receipt_amount")),
            buyer_pay_amount=parse_amount(data.get("buyer_pay_amount")),
            buyer_id=data.get("buyer_id", ""),
            buyer_logon_id=data.get("buyer_logon_id", ""),
            gmt_payment=parse_time(data.get("gmt_payment")),
            refund_fee=parse_amount(data.get("refund_fee")),
            out_biz_no=data.get("out_biz_no", ""),
            gmt_refund=parse_time(data.get("gmt_refund")),
            gmt_close=parse_time(data.get("gmt_close")),
            params=dict(data),
        )

    def verify_return(self, params: Mapping[str, str]) -> VerifiedReturn | None:
        """The sync return parameters on return_url if authentic; None (logged) if not."""
        try:
            data = self._check_signed(params)
            if data.get("method") not in RETURN_METHODS:
                raise NotificationRejected(f"not a pay return: method={data.get('method')!r}")
            total = parse_amount(data.get("total_amount"))
            if total is None or not data.get("out_trade_no"):
                raise NotificationRejected("missing out_trade_no or total_amount")
        except NotificationRejected as exc:
            logger.warning(
                "Alipay return rejected: %s (out_trade_no=%s)",
                exc.reason,
                params.get("out_trade_no"),
            )
            return None
        return VerifiedReturn(
            out_trade_no=data["out_trade_no"],
            trade_no=data.get("trade_no", ""),
            total_amount=total,
            seller_id=data.get("seller_id", ""),
            timestamp=parse_time(data.get("timestamp")),
        )

    def _check_signed(self, params: Mapping[str, str]) -> dict[str, str]:
        """The parameters as a plain dict once the signature, app and seller check out."""
        data = {str(key): str(params[key]) for key in params}
        signature = data.get("sign", "")
        if not signature:
            raise NotificationRejected("missing sign")
        if data.get("sign_type") != "RSA2":
            raise NotificationRejected(f"sign_type {data.get('sign_type')!r} is not RSA2")
        # Alipay signs every non-empty parameter except sign and sign_type. The SDK's verify
        # drops sign_type itself but would sign-check `sign` and empty values, so leave
        # those out here.
        unsigned = {k: v for k, v in data.items() if k != "sign" and v != ""}
        try:
            authentic = self._sdk.verify(unsigned, signature)
        except Exception as exc:  # malformed base64 or key material: as bad as forged
            logger.debug("signature check raised %r", exc)
            authentic = False
        if not authentic:
            raise NotificationRejected("bad signature")
        if data.get("app_id") != self.config.app_id:
            raise NotificationRejected(f"app_id {data.get('app_id')!r} is not ours")
        if self.config.seller_id and data.get("seller_id") != self.config.seller_id:
            raise NotificationRejected(f"seller_id {data.get('seller_id')!r} is not ours")
        return data

    # --- plumbing -----------------------------------------------------------------------

    def _call(self, method: Method, call: Callable[[], Any]) -> dict[str, Any]:
        try:
            response = call()
        except AliPayValidationError as exc:
            raise AlipayError(
                AlipayError.INVALID_RESPONSE, "", f"{method}: response signature did not verify"
            ) from exc
        except AliPayException as exc:
            raise _error_from_sdk_exception(exc) from exc
        except (URLError, OSError, http.client.HTTPException) as exc:
            raise AlipayError(AlipayError.NETWORK, "", f"{method}: {exc}") from exc
        except ValueError as exc:  # an answer that is not the JSON envelope
            raise AlipayError(AlipayError.INVALID_RESPONSE, "", f"{method}: {exc}") from exc
        if not isinstance(response, dict):
            raise AlipayError(AlipayError.INVALID_RESPONSE, "", f"{method}: {response!r}")
        code = str(response.get("code", ""))
        if code != SUCCESS_CODE:
            raise AlipayError(
                code,
                str(response.get("sub_code", "")),
                str(response.get("sub_msg") or response.get("msg") or ""),
            )
        return response


def _expiry(time_expire: datetime | None) -> dict[str, str]:
    return {"time_expire": format_time(time_expire)} if time_expire else {}


def _error_from_sdk_exception(exc: AliPayException) -> AlipayError:
    """The SDK raises this for an unsigned answer or an `error_response` envelope; its code
    and raw body sit in name-mangled attributes."""
    code = str(getattr(exc, "_AliPayException__code", "") or AlipayError.INVALID_RESPONSE)
    raw = str(getattr(exc, "_AliPayException__message", "") or "")
    sub_code, message = "", raw
    try:
        envelope = json.loads(raw)
        body = next((value for key, value in envelope.items() if key.endswith("_response")), None)
        if isinstance(body, dict):
            sub_code = str(body.get("sub_code", ""))
            message = str(body.get("sub_msg") or body.get("msg") or raw)
    except (ValueError, AttributeError):
        pass
    return AlipayError(code, sub_code, message)


# --- configuration from Django settings ---------------------------------------------------


def alipay_data_dir() -> Path:
    """`$RURALMART_DATA_DIR/alipay/`: the sandbox-mode keys and the sandbox's trades."""
    base = getattr(settings, "DATA_DIR", None) or os.environ.get("RURALMART_DATA_DIR", ".ruralmart")
    return Path(base).expanduser().resolve() / "alipay"


def gateway_from_settings() -> AlipayGateway:
    """The gateway the settings describe; built once per distinct configuration.

    With ALIPAY_GATEWAY set: that gateway, keys from ALIPAY_PRIVATE_KEY_PATH and
    ALIPAY_PUBLIC_KEY_PATH. Without it: the local sandbox at ALIPAY_SANDBOX_URL, with the
    app's and the sandbox's key pairs generated on first use under the data dir.
    """
    port = getattr(settings, "PORT", 8000)
    return _cached_gateway(
        app_id=str(getattr(settings, "ALIPAY_APP_ID", "")),
        seller_id=str(getattr(settings, "ALIPAY_SELLER_ID", "") or ""),
        gateway=str(getattr(settings, "ALIPAY_GATEWAY", "") or ""),
        sandbox_url=str(getattr(settings, "ALIPAY_SANDBOX_URL", "") or DEFAULT_SANDBOX_URL),
        private_key_path=str(getattr(settings, "ALIPAY_PRIVATE_KEY_PATH", "") or ""),
        public_key_path=str(getattr(settings, "ALIPAY_PUBLIC_KEY_PATH", "") or ""),
        notify_url=str(
            getattr(settings, "ALIPAY_NOTIFY_URL", "")
            or f"http://127.0.0.1:{port}/payments/alipay/notify/"
        ),
        return_url=str(getattr(settings, "ALIPAY_RETURN_URL", "") or ""),
        data_dir=str(alipay_data_dir()),
    )


@functools.lru_cache(maxsize=8)
def _cached_gateway(
    *,
    app_id: str,
    seller_id: str,
    gateway: str,
    sandbox_url: str,
    private_key_path: str,
    public_key_path: str,
    notify_url: str,
    return_url: str,
    data_dir: str,
) -> AlipayGateway:
    if not app_id:
        raise ImproperlyConfigured("ALIPAY_APP_ID is not set")
    if gateway:
        if not (private_key_path and public_key_path):
            raise ImproperlyConfigured(
                "ALIPAY_GATEWAY needs ALIPAY_PRIVATE_KEY_PATH and ALIPAY_PUBLIC_KEY_PATH"
            )
        config = AlipayConfig(
            app_id=app_id,
            app_private_key_pem=keys.read_pem(Path(private_key_path), private=True),
            alipay_public_key_pem=keys.read_pem(Path(public_key_path), private=False),
            gateway_url=gateway,
            notify_url=notify_url,
            return_url=return_url or None,
            seller_id=seller_id or None,
            sandbox=False,
        )
    else:
        # Sandbox mode: both pairs live in the data dir so the sandbox process (which loads
        # the app's public key from there) and this one always agree.
        app = keys.ensure_key_pair(Path(data_dir), keys.APP_KEY_NAME)
        alipay = keys.ensure_key_pair(Path(data_dir), keys.SANDBOX_KEY_NAME)
        config = AlipayConfig(
            app_id=app_id,
            app_private_key_pem=app.private_key_pem,
            alipay_public_key_pem=alipay.public_key_pem,
            gateway_url=sandbox_url,
            notify_url=notify_url,
            return_url=return_url or None,
            seller_id=seller_id or SANDBOX_SELLER_ID,
            sandbox=True,
        )
    return AlipayGateway(config)
