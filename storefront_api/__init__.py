"""The GraphQL API: Saleor 3.23's storefront surface plus Ruralmart's extensions.

In: HTTP requests. Out: JSON. Resolvers and mutations are thin: they parse input, call
selectors and services from `marketplace`, and resolve relations through per-request
DataLoaders. Nothing here holds business rules.
"""
