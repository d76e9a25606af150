"""Tourism bookings: homestay nights and experience seats as capacity that is held, sold and
cancelled, never oversold. Called by checkout and orders through opaque hold keys; it
imports neither."""
