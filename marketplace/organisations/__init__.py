"""Village Party organisations, the shops they run, and the households they serve.

In: divisions, accounts (who acted). Out: shops (with their approval workflow) and
households (with personal data masked by `privacy.py`). Must never import the API.
"""
