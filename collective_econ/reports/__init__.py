"""Statements built from the ledger and the distributions: the 收益及收益分配表."""
