"""The dashboard's sections, registered in drawing order (see `base` for the contract)."""

from marketplace.oversight.sections.anomalies import anomalies_section
from marketplace.oversight.sections.base import SECTIONS, register_section
from marketplace.oversight.sections.buyers import buyers_section
from marketplace.oversight.sections.households import households_section
from marketplace.oversight.sections.logistics import logistics_section
from marketplace.oversight.sections.red_supermarket import red_supermarket_section
from marketplace.oversight.sections.sales import sales_section

register_section(key="sales", title="销售情况", compute=sales_section)
register_section(key="buyers", title="订单与买家", compute=buyers_section)
register_section(key="households", title="带贫益贫", compute=households_section)
register_section(key="logistics", title="物流时效", compute=logistics_section)
register_section(key="red_supermarket", title="红色超市", compute=red_supermarket_section)
register_section(key="anomalies", title="异常情况", compute=anomalies_section)

__all__ = ["SECTIONS", "register_section"]
