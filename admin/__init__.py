"""The back office: Django admin for every model, scoped by role.

Its app label is `backoffice`, because `django.contrib.admin` owns the label `admin`.
Views here stay thin: they list, filter and search, and any change goes through the
domain services. Later: bureau dashboards, approvals and the audit log.
"""
