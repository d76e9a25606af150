"""Provider adapters: one interface (`base.ProviderAdapter`), one HTTP client speaking the
aggregator protocol (`http.HttpProviderAdapter`) with a signing strategy per provider
(`signing`: HMAC-SHA256 or RSA2; `credentials` loads each provider's keys from settings),
and a local sandbox that serves each provider as its own gateway and speaks it too."""
