"""Parcels at the village station that are not our shipments: third-party parcels logged
in at the counter, handed over against a pickup code, reminded and sent back when not
collected; and parcels villagers send out (dispatches). The station's rules (who works the
counter, pickup codes, reminders, capacity) come from `logistics.stations.pickup`."""
