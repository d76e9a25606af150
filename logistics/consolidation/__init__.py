"""Consolidation (集货): a village's parcels leave together in one consignment to the county
hub, opened, filled and closed by the station operator."""
