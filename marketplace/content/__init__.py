"""Content: the store's menus (navbar, footer) and its pages (about, tourism).

In: staff edit menus and pages in the back office (through `services`). Out: the storefront
API reads them through `selectors`. Menus link to catalog categories and collections, so
this app imports `marketplace.catalog` models; nothing in catalog imports content.
"""
