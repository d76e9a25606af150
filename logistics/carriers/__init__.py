"""Carrier adapters: the one door between shipments and the outside carrier service.

`base` defines what an adapter does (create a waybill, query its track, subscribe to
pushes); `kuaidi100` speaks Kuaidi100's protocol (the aggregator most Chinese shops use);
`sandbox` is a local server speaking the same protocol for the demo and the tests.
"""
