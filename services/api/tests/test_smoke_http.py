"""The API served by gunicorn answers its health check and stores a todo."""

import pytest
import requests

pytestmark = pytest.mark.integration


def test_health_and_create(api: str) -> None:
    assert requests.get(f"{api}/api/v1/health").json() == {"status": "ok"}
    created = requests.post(f"{api}/api/v1/todos", json={"title": "Write tests"})
    assert created.status_code == 201
    assert requests.get(f"{api}/api/v1/todos").json() == [created.json()]
