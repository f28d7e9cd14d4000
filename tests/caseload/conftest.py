"""The caseload sorts by the stored attention scores, which the services keep (tests/caseload/
test_stored_scores.py checks that without any job). Many tests here build their children's records
with the ORM directly (factories, Task.objects.create, ReviewDue) and travel in time, which no service
announces, so their clients run the hourly refresh job before each caseload read, as production's beat
does. A query-count test sets ``client.refresh_scores = False`` and refreshes outside its count."""

from typing import Any

import pytest

from apps.caseload.services import attention_refresh


def _refreshing(client: Any) -> Any:
    get = client.get
    client.refresh_scores = True

    def get_with_fresh_scores(path: str, *args: Any, **kwargs: Any) -> Any:
        if client.refresh_scores and path.startswith(("/caseload/", "/api/v1/caseload/")):
            attention_refresh()
        return get(path, *args, **kwargs)

    client.get = get_with_fresh_scores
    return client


@pytest.fixture
def client(client: Any) -> Any:
    return _refreshing(client)


@pytest.fixture
def api(api: Any) -> Any:
    return _refreshing(api)
