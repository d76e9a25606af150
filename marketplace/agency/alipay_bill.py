"""Alipay's daily trade bill as a reconciliation record source.

Theirs: `alipay.data.dataservice.bill.downloadurl.query` (bill_type trade), then the zipped
GBK CSV behind the URL, one record per 商户订单号 (our `psp_reference`). Ours: the Alipay
charges we recorded that day (CHARGE_SUCCESS events on Alipay transactions). More sources of
our Alipay money (the counter's face-to-face sales) register beside this one.
"""

from __future__ import annotations

import csv
import io
import urllib.request
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation

from marketplace.agency.models import AgencyOrder
from marketplace.agency.providers.base import ProviderError
from marketplace.agency.record_sources import SETTLED, Record, day_bounds, register_record_source
from marketplace.payments.alipay.gateway import AlipayError, gateway_from_settings
from marketplace.payments.models import GatewayId, TransactionEvent, TransactionEventType
from marketplace.red_supermarket.models import CounterSale, CounterSaleStatus

BILL_METHOD = "alipay.data.dataservice.bill.downloadurl.query"
SOURCE_NAME = "alipay:trade"


def alipay_bill_url(*, day: date) -> str:
    gateway = gateway_from_settings()
    # The payments adapter has no call for bills; its SDK client signs any open-API method,
    # and the adapter's error handling applies unchanged.
    response = gateway._call(
        BILL_METHOD,  # type: ignore[arg-type]
        lambda: gateway._sdk.server_api(
            BILL_METHOD, {"bill_type": "trade", "bill_date": day.isoformat()}
        ),
    )
    return str(response["bill_download_url"])


def parse_trade_bill(archive: bytes) -> dict[str, Record]:
    found: dict[str, Record] = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        for name in bundle.namelist():
            text = bundle.read(name).decode("gbk")
            rows = csv.reader(line for line in io.StringIO(text) if not line.startswith("#"))
            header = next(rows, None)
            if header is None:
                continue
            for row in rows:
                line = dict(zip(header, row, strict=False))
                if line.get("业务类型") != "交易":
                    continue
                try:
                    amount = Decimal(line["订单金额（元）"])
                except (InvalidOperation, KeyError) as exc:
                    raise ProviderError("Alipay's bill has a bad amount") from exc
                found[line["商户订单号"]] = Record(line["商户订单号"], amount, SETTLED)
    return found


class AlipayTradeBillSource:
    name = SOURCE_NAME

    def theirs(self, *, day: date) -> dict[str, Record]:
        try:
            url = alipay_bill_url(day=day)
            with urllib.request.urlopen(url, timeout=30) as response:
                archive = response.read()
        except AlipayError as exc:
            raise ProviderError(f"Alipay's bill for {day}: {exc}") from exc
        except OSError as exc:
            raise ProviderError(f"Alipay's bill for {day} could not be downloaded: {exc}") from exc
        try:
            return parse_trade_bill(archive)
        except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise ProviderError(f"Alipay's bill for {day} is not a zipped CSV") from exc

    def ours(self, *, day: date) -> dict[str, Record]:
        start, end = day_bounds(day)
        charges = TransactionEvent.objects.filter(
            type=TransactionEventType.CHARGE_SUCCESS,
            transaction__gateway_id=GatewayId.ALIPAY,
            created_at__gte=start,
            created_at__lt=end,
        ).values_list("transaction__psp_reference", "transaction__amount")
        found = {ref: Record(ref, amount, SETTLED) for ref, amount in charges}
        # The Red Supermarkets' face-to-face sales are trades on the same Alipay account,
        # listed in the same bill under their out_trade_no.
        counter = CounterSale.objects.filter(
            status=CounterSaleStatus.PAID,
            out_trade_no__isnull=False,
            paid_at__gte=start,
            paid_at__lt=end,
        ).values_list("out_trade_no", "total", "supermarket_id")
        for out_trade_no, total, supermarket_id in counter:
            if out_trade_no:
                found[out_trade_no] = Record(out_trade_no, total, SETTLED, supermarket_id)
        # Agency orders paid by payment code: a trade line even if later refunded (the
        # refund is a line of its own).
        agency = AgencyOrder.objects.filter(
            out_trade_no__isnull=False, paid_at__gte=start, paid_at__lt=end
        ).values_list("out_trade_no", "amount", "fee", "supermarket_id")
        for out_trade_no, amount, fee, supermarket_id in agency:
            if out_trade_no:
                found[out_trade_no] = Record(out_trade_no, amount + fee, SETTLED, supermarket_id)
        return found


register_record_source(SOURCE_NAME, AlipayTradeBillSource)
