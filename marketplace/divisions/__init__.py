"""Administrative divisions: county → township → village, keyed by statistical division codes.

In: nothing (the demo data and the admin create them). Out: the geography every shop,
household and report hangs from. Must never import catalog, orders or the API.
"""
