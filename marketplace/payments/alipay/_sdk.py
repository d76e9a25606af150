"""python-alipay-sdk, imported without its logging side effect.

`alipay.loggers` runs `logging.config.dictConfig(...)` at import time: that re-initialises
logging process-wide (flushing and closing every handler configured so far) and hangs a
DEBUG console handler on the "python-alipay-sdk" logger. When we are first to import the
package, a stand-in `alipay.loggers` module in `sys.modules` keeps that code from running;
if someone imported it before us, we at least take the handler back off.
"""

from __future__ import annotations

import logging
import sys
import types

SDK_LOGGER_NAME = "python-alipay-sdk"

if "alipay" not in sys.modules:
    _stand_in = types.ModuleType("alipay.loggers")
    _stand_in.logger = logging.getLogger(SDK_LOGGER_NAME)  # type: ignore[attr-defined]
    sys.modules["alipay.loggers"] = _stand_in

from alipay import AliPay  # noqa: E402
from alipay.exceptions import AliPayException, AliPayValidationError  # noqa: E402
from alipay.utils import AliPayConfig  # noqa: E402

_sdk_logger = logging.getLogger(SDK_LOGGER_NAME)
for _handler in list(_sdk_logger.handlers):
    _sdk_logger.removeHandler(_handler)
# It logs request bodies at DEBUG (only in verbose mode); never let them through by default.
_sdk_logger.setLevel(logging.WARNING)
_sdk_logger.propagate = True

__all__ = ["AliPay", "AliPayConfig", "AliPayException", "AliPayValidationError"]
