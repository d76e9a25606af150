from tests.demo.conftest import demo  # noqa: F401
