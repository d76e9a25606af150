"""The agency-service catalogue as data: providers and the 40-odd items the counter offers.

`agency_catalogue_sync` writes it into the database idempotently (by code); the back
office may then switch items off or re-price them, and a sync puts the seeded values back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

PROVIDERS: list[dict[str, str]] = [
    {"code": "utility", "name": "公共事业缴费平台 (电/水/燃气/有线)", "kind": "UTILITY"},
    {"code": "telecom", "name": "三网话费宽带充值平台", "kind": "TELECOM"},
    {"code": "insurance", "name": "保险与社保代缴平台", "kind": "INSURANCE"},
    {"code": "tickets", "name": "客运火车机票分销平台", "kind": "TICKETS"},
    {"code": "acquirer", "name": "助农取款收单机构", "kind": "ACQUIRER"},
]


def _account(label: str, pattern: str, hint: str = "") -> dict[str, Any]:
    return {"name": "account", "label": label, "kind": "account", "pattern": pattern, "hint": hint}


_PERIOD = {"name": "period", "label": "缴费月份 (YYYYMM)", "kind": "period", "required": False}
_PAYER = {"name": "payer_name", "label": "户名", "kind": "text", "required": False}
_ID = {"name": "id_number", "label": "身份证号", "kind": "id_number"}
_NAME = {"name": "name", "label": "姓名", "kind": "text"}
_INSURED_YEAR = {"name": "year", "label": "参保年度", "kind": "text", "max_length": 4}
_PLATE = {
    "name": "account",
    "label": "车牌号",
    "kind": "account",
    "pattern": r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$",
}
_TICKET_FIELDS = [
    {"name": "origin", "label": "出发地", "kind": "text"},
    {"name": "destination", "label": "目的地", "kind": "text"},
    {"name": "date", "label": "出发日期", "kind": "date"},
]
_CARD = {"name": "card_number", "label": "银行卡号", "kind": "card"}
_ACREAGE = {"name": "acreage", "label": "亩数", "kind": "text", "max_length": 8}
_WAYBILL = {"name": "waybill", "label": "运单号", "kind": "account", "pattern": r"^[0-9A-Z]{8,20}$"}


def _phone(carrier: str) -> dict[str, Any]:
    return {"name": "phone", "label": "手机号", "kind": "phone", "carriers": [carrier]}


def _item(
    code: str,
    name: str,
    category: str,
    *,
    provider: str | None,
    flow: str = "PAYMENT",
    fields: list[dict[str, Any]] | None = None,
    amount: tuple[str, str] = ("0", "0"),
    fee: tuple[str, str] = ("NONE", "0"),
    commission: str = "0",
    description: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "category": category,
        "provider": provider,
        "flow": flow if provider else "TASK",
        "input_fields": fields or [],
        "amount_min": amount[0],
        "amount_max": amount[1],
        "fee_rule": fee[0],
        "fee_value": fee[1],
        "commission_rate": commission,
        "description": description,
    }


def _gov(code: str, name: str, description: str) -> dict[str, Any]:
    return _item(
        code,
        name,
        "GOVERNMENT",
        provider=None,
        fields=[
            _NAME,
            _ID,
            {"name": "note", "label": "说明", "kind": "text", "required": False, "max_length": 200},
        ],
        description=description,
    )


ITEMS: list[dict[str, Any]] = [
    # Utility bills: one aggregator, as county agents use.
    _item("electricity-sgcc", "国家电网电费", "UTILITY", provider="utility",
          fields=[_account("电费户号", r"^\d{10}$", "10位户号"), _PERIOD, _PAYER],
          amount=("1", "5000"), commission="0.002"),
    _item("electricity-csg", "南方电网电费", "UTILITY", provider="utility",
          fields=[_account("电费户号", r"^\d{12,13}$", "12-13位户号"), _PERIOD, _PAYER],
          amount=("1", "5000"), commission="0.002"),
    _item("water-county", "县自来水水费", "UTILITY", provider="utility",
          fields=[_account("水费户号", r"^\d{8}$", "8位户号"), _PERIOD],
          amount=("1", "2000"), fee=("FIXED", "0.50")),
    _item("water-township", "乡镇供水站水费", "UTILITY", provider="utility",
          fields=[_account("用水户号", r"^[A-Z]\d{7}$", "字母加7位数字"), _PERIOD],
          amount=("1", "1000"), fee=("FIXED", "0.50")),
    _item("gas-pipeline", "管道燃气费", "UTILITY", provider="utility",
          fields=[_account("燃气户号", r"^\d{9,12}$"), _PERIOD], amount=("10", "3000"),
          commission="0.003"),
    _item("gas-lpg", "液化气充值", "UTILITY", provider="utility",
          fields=[_account("液化气卡号", r"^\d{16}$")], amount=("10", "1000"),
          fee=("FIXED", "1.00")),
    # Phone top-up and broadband, three carriers.
    _item("topup-cmcc", "中国移动话费充值", "TELECOM", provider="telecom",
          fields=[_phone("CMCC")], amount=("10", "500"), commission="0.005"),
    _item("topup-cucc", "中国联通话费充值", "TELECOM", provider="telecom",
          fields=[_phone("CUCC")], amount=("10", "500"), commission="0.005"),
    _item("topup-ctcc", "中国电信话费充值", "TELECOM", provider="telecom",
          fields=[_phone("CTCC")], amount=("10", "500"), commission="0.005"),
    _item("broadband-cmcc", "中国移动宽带缴费", "TELECOM", provider="telecom",
          fields=[_account("宽带账号", r"^[0-9A-Za-z]{8,20}$")], amount=("10", "3000"),
          commission="0.004"),
    _item("broadband-cucc", "中国联通宽带缴费", "TELECOM", provider="telecom",
          fields=[_account("宽带账号", r"^[0-9A-Za-z]{8,20}$")], amount=("10", "3000"),
          commission="0.004"),
    _item("broadband-ctcc", "中国电信宽带缴费", "TELECOM", provider="telecom",
          fields=[_account("宽带账号", r"^[0-9A-Za-z]{8,20}$")], amount=("10", "3000"),
          commission="0.004"),
    _item("fixedline-ctcc", "中国电信固话费", "TELECOM", provider="telecom",
          fields=[_account("固话号码", r"^0\d{2,3}\d{7,8}$")], amount=("10", "1000"),
          commission="0.004"),
    _item("cable-tv", "有线电视收视费", "CABLE_TV", provider="utility",
          fields=[_account("智能卡号", r"^\d{11,16}$")], amount=("10", "600"),
          fee=("FIXED", "1.00")),
    _item("iptv-cmcc", "移动魔百和IPTV续费", "CABLE_TV", provider="telecom",
          fields=[_phone("CMCC")], amount=("10", "600"), commission="0.004"),
    # Social insurance premiums, paid per person with the resident ID number.
    _item("pension-rural", "城乡居民养老保险", "SOCIAL_INSURANCE", provider="insurance",
          fields=[_NAME, _ID, _INSURED_YEAR], amount=("100", "6000"),
          description="缴费档次 100-6000 元/年"),
    _item("medical-rural", "城乡居民医疗保险", "SOCIAL_INSURANCE", provider="insurance",
          fields=[_NAME, _ID, _INSURED_YEAR], amount=("380", "1000")),
    _item("medical-serious", "大病补充医疗保险", "SOCIAL_INSURANCE", provider="insurance",
          fields=[_NAME, _ID, _INSURED_YEAR], amount=("20", "500")),
    # Commercial insurance.
    _item("vehicle-compulsory", "机动车交强险", "COMMERCIAL_INSURANCE", provider="insurance",
          fields=[_PLATE, _NAME, _ID], amount=("100", "2000"), commission="0.04"),
    _item("vehicle-commercial", "机动车商业险", "COMMERCIAL_INSURANCE", provider="insurance",
          fields=[_PLATE, _NAME, _ID], amount=("200", "20000"), commission="0.05"),
    _item("motorcycle-insurance", "摩托车/电动车保险", "COMMERCIAL_INSURANCE", provider="insurance",
          fields=[_account("车牌号", r"^[\u4e00-\u9fa5][A-Z0-9]{5,7}$"), _NAME, _ID],
          amount=("50", "1000"), commission="0.05"),
    _item("property-farmhouse", "农房财产保险", "COMMERCIAL_INSURANCE", provider="insurance",
          fields=[_NAME, _ID], amount=("20", "2000"), commission="0.05"),
    _item("crop-insurance", "种植业保险自缴部分", "COMMERCIAL_INSURANCE", provider="insurance",
          fields=[_NAME, _ID, _ACREAGE],
          amount=("5", "5000"), commission="0.03"),
    _item("accident-insurance", "意外伤害保险", "COMMERCIAL_INSURANCE", provider="insurance",
          fields=[_NAME, _ID], amount=("10", "500"), commission="0.08"),
    # Tickets.
    _item("ticket-bus", "汽车票", "TICKET", provider="tickets", flow="TICKET",
          fields=_TICKET_FIELDS, amount=("5", "800"), fee=("FIXED", "2.00")),
    _item("ticket-train", "火车票", "TICKET", provider="tickets", flow="TICKET",
          fields=_TICKET_FIELDS, amount=("5", "3000"), fee=("FIXED", "5.00")),
    _item("ticket-air", "机票", "TICKET", provider="tickets", flow="TICKET",
          fields=_TICKET_FIELDS, amount=("50", "10000"), fee=("FIXED", "10.00")),
    # Small cash withdrawal.
    _item("cash-withdrawal", "助农取款", "CASH_WITHDRAWAL", provider="acquirer", flow="WITHDRAWAL",
          fields=[_CARD], amount=("1", "1000"), commission="0.003",
          description="单卡单日限额、单站单日限额见设置"),
    # Parcels: recorded here, handed to the village station.
    _item("parcel-pickup", "快递代收", "PARCEL", provider=None,
          fields=[_WAYBILL, {"name": "phone", "label": "收件人手机", "kind": "phone"}]),
    _item("parcel-dispatch", "快递代寄", "PARCEL", provider=None,
          fields=[{"name": "phone", "label": "寄件人手机", "kind": "phone"},
                  {"name": "destination", "label": "寄往地址", "kind": "text", "max_length": 128}]),
    # Government services done on a villager's behalf.
    _gov("gov-social-card", "社保卡补办", "挂失并申请补办第三代社保卡"),
    _gov("gov-household-cert", "户籍证明开具", "向派出所申请户籍证明"),
    _gov("gov-disability-subsidy", "残疾人两项补贴申请", "困难残疾人生活补贴和重度残疾人护理补贴"),
    _gov("gov-elderly-allowance", "高龄津贴申领", "80周岁以上老人高龄津贴"),
    _gov("gov-farm-machinery", "农机购置补贴申请", "购机后申请中央财政农机购置补贴"),
    _gov("gov-farmland-subsidy", "耕地地力保护补贴查询", "查询本年度补贴发放情况"),
    _gov("gov-real-estate", "不动产登记预约", "预约县不动产登记中心办理时间"),
    _gov("gov-medical-reimburse", "医保异地就医备案", "外出就医前的异地备案"),
    _gov("gov-pension-cert", "养老待遇资格认证", "每年一次的待遇领取资格认证"),
    _gov("gov-minimum-living", "最低生活保障申请", "向乡镇民政办提交低保申请"),
    _gov("gov-birth-registration", "新生儿户口登记预约", "预约派出所办理新生儿落户"),
    _gov("gov-marriage-cert", "婚姻登记预约", "预约县民政局婚姻登记"),
    _gov("gov-employment-register", "就业失业登记", "办理就业创业证或失业登记"),
    _gov("gov-student-aid", "生源地助学贷款申请", "协助准备材料并预约县资助中心"),
]  # fmt: skip


def write_catalogue(provider_model: Any, item_model: Any) -> int:
    """Write PROVIDERS and ITEMS by code through these model classes (the live ones, or a
    migration's historical ones); returns how many items."""
    providers = {}
    for spec in PROVIDERS:
        providers[spec["code"]], _ = provider_model.objects.update_or_create(
            code=spec["code"], defaults={"name": spec["name"], "kind": spec["kind"]}
        )
    for position, spec in enumerate(ITEMS):
        item_model.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "category": spec["category"],
                "flow": spec["flow"],
                "provider": providers[spec["provider"]] if spec["provider"] else None,
                "input_fields": spec["input_fields"],
                "amount_min": Decimal(spec["amount_min"]),
                "amount_max": Decimal(spec["amount_max"]),
                "fee_rule": spec["fee_rule"],
                "fee_value": Decimal(spec["fee_value"]),
                "commission_rate": Decimal(spec["commission_rate"]),
                "description": spec["description"],
                "sort_order": position,
            },
        )
    return len(ITEMS)
