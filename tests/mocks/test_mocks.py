import httpx

from gateway.config import FAMILIES
from suites.launcher import Deployment


def test_every_family_serves_health_and_names_its_own_host(deployment: Deployment) -> None:
    assert set(deployment.upstreams) == set(FAMILIES)
    for family, url in deployment.upstreams.items():
        assert url.startswith("http://127.0.0.1:")
        response = httpx.get(f"{url}/health")
        assert response.status_code == 200 and response.json()["family"] == family
        assert response.headers["x-request-id"].startswith(f"req_{family}_")
