"""Yearly distribution of a village collective's income (收益分配), in the lawful order:
make up earlier losses, then the reserve fund (公积公益金) and the welfare fund (福利费) at
the percentages the members' assembly approved, then investors by their agreements, then
members by their shares. `services` computes, records and moves it through its workflow;
`selectors` reads the ledger figures it starts from."""
