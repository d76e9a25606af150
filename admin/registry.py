"""Admin registrations: importing each module registers its model admins on the default site.

`apps.BackOfficeConfig.ready()` imports this module once the app registry is ready.
"""

from admin import (  # noqa: F401
    accounts,
    agency,
    audit,
    bookings,
    catalog,
    channels,
    checkout,
    collective_econ,
    content,
    distribution,
    divisions,
    inventory,
    logistics,
    notifications,
    orders,
    organisations,
    oversight,
    payments,
    red_supermarket,
    stations_shipments,
    supervision,
)
