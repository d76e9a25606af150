"""Provider adapters: one interface (`base.ProviderAdapter`), one HTTP client speaking the
aggregator protocol (`http.HttpProviderAdapter`), and a local sandbox that speaks it too."""
