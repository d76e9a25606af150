from tests.api.conftest import gql  # noqa: F401  (the API client fixture)
