"""Village stations (村级服务站): where parcels are dropped off, collected and consolidated."""
