"""Seed the agency catalogue (providers and the 40-odd items) from `catalogue_data`.
`agency_catalogue_sync` writes the same rows; this is it against the historical models."""

from django.db import migrations

from marketplace.agency.catalogue_data import write_catalogue


def seed(apps, schema_editor):
    write_catalogue(apps.get_model("agency", "AgencyProvider"), apps.get_model("agency", "ServiceItem"))


class Migration(migrations.Migration):
    dependencies = [("agency", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
