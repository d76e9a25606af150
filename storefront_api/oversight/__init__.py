"""Ruralmart extension: the bureau dashboards' figures (`townshipDashboard`,
`countyDashboard`), the same sections the back-office pages draw. Staff-only: callers
without a bureau role for that township or county get a coded error, never empty data."""
