"""Users, roles and object-level permissions.

In: divisions and organisations (what a role is scoped to). Out: `permissions.py`, the one
place that answers "may this user act on that shop / village / township / household".
"""
