"""A local Kuaidi100: waybills, tracking queries and subscription pushes over HTTP on
127.0.0.1, checking signatures as the real service does. Serves the demo and the tests."""

from logistics.carriers.sandbox.server import Kuaidi100Sandbox

__all__ = ["Kuaidi100Sandbox"]
