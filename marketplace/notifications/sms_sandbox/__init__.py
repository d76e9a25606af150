"""A local Aliyun SMS (Dysmsapi) for the demo and the tests, speaking the real protocol."""

from marketplace.notifications.sms_sandbox.server import AliyunSmsSandbox

__all__ = ["AliyunSmsSandbox"]
