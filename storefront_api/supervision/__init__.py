"""Ruralmart extension: township supervision (approval queue, certification claims, the
periodic report, the red flag and the administrator roster). Thin over
`marketplace.supervision`; every relation goes through a per-request loader."""
