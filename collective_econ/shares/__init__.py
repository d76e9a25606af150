"""The share register of a village collective: members and their shares, investors and
their agreements, effective-dated and audited. Services write, selectors read; the
distribution reads the register through `share_register` and `investor_agreements_in`."""
