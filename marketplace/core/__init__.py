"""Small shared pieces of the domain: the error type services raise, money helpers."""
