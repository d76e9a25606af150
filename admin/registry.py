"""Admin registrations; filled in below."""
