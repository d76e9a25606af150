"""Models arrive with the buy-and-pay work."""
