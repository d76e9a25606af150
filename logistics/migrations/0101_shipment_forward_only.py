"""A trigger that refuses to move a shipment's status backwards (or sideways), whatever
writes the row. The ranks repeat `logistics.shipments.models.STATUS_RANK`; a test checks
that both agree."""

from django.db import migrations

FORWARD_ONLY = """
CREATE OR REPLACE FUNCTION logistics_shipment_status_rank(status text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE status
        WHEN 'CREATED' THEN 0
        WHEN 'COLLECTED' THEN 10
        WHEN 'IN_TRANSIT' THEN 20
        WHEN 'AT_STATION' THEN 30
        WHEN 'OUT_FOR_DELIVERY' THEN 30
        WHEN 'DAMAGED' THEN 35
        WHEN 'DELIVERED' THEN 90
        WHEN 'COLLECTED_BY_BUYER' THEN 90
        WHEN 'LOST' THEN 90
        WHEN 'RETURNED' THEN 90
    END
$$;

CREATE OR REPLACE FUNCTION logistics_shipment_forward_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND logistics_shipment_status_rank(NEW.status)
           <= logistics_shipment_status_rank(OLD.status) THEN
        RAISE EXCEPTION 'shipment % cannot move from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER logistics_shipment_forward_only
    BEFORE UPDATE OF status ON logistics_shipment
    FOR EACH ROW EXECUTE FUNCTION logistics_shipment_forward_only();
"""

BACK = """
DROP TRIGGER IF EXISTS logistics_shipment_forward_only ON logistics_shipment;
DROP FUNCTION IF EXISTS logistics_shipment_forward_only();
DROP FUNCTION IF EXISTS logistics_shipment_status_rank(text);
"""


class Migration(migrations.Migration):
    dependencies = [("logistics", "0100_stations_shipments")]

    operations = [migrations.RunSQL(FORWARD_ONLY, BACK)]
