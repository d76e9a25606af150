"""Sales channels (e.g. `urban-retail`, `village-counter`), each with one currency.

Prices and publication are per channel, as in Saleor; the listings live beside the
catalog (`catalog.models.ProductChannelListing`, `ProductVariantChannelListing`).
"""
