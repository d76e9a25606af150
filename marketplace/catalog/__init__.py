"""The catalog: product types, attributes, categories, collections, products, variants,
per-channel listings, media and thumbnails, certifications, trace batches and search.

In: organisations (every product belongs to one shop; a variant may benefit a household),
channels. Out: services that keep the search document and price caches right, selectors
the API reads through. Must never import graphene.
"""
