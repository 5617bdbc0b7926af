"""Every error from every API route has the one JSON shape (and none is a 500 for a user's mistake)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from tests.factories import make_dataset

SHAPE = {"ok", "error", "error_en", "errors", "status"}


def _check(resp: Any, status: int) -> None:
    assert resp.status_code == status, (resp.request.url, resp.text)
    body = resp.json()
    assert set(body) == SHAPE, body
    assert body["ok"] is False and body["status"] == status
    assert body["error"] and body["error_en"]


def test_every_api_error_uses_the_canonical_shape(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services, name="pop")
    bad_token = {"Authorization": "Bearer hc_wrong"}
    cases = [
        (client.get("/api/v1/nowhere"), 404),
        (client.get("/api/v1/datasets/none"), 404),
        (client.get("/api/v1/datasets/pop/resources/none"), 404),
        (client.get("/api/v1/datasets/pop/resources/none/rows"), 404),
        (client.get("/api/v1/datasets/pop/resources/none/download"), 404),
        (client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000"), 404),
        (client.get("/api/v1/orgs/none"), 404),
        (client.get("/api/v1/me"), 401),
        (client.get("/api/v1/datasets", headers=bad_token), 401),
        (client.get("/api/v1/datasets?limit=0"), 422),
        (client.get("/api/v1/datasets?sort=random"), 422),
        (client.post("/api/v1/datasets", json={}), 422),
        (client.post("/api/v1/datasets", json={"name": "x", "title": "x", "owner_org": "ai-policy"}), 403),
        (client.patch("/api/v1/datasets/pop", json={"title": "x"}), 403),
        (client.delete("/api/v1/datasets/pop"), 403),
        (client.put("/api/v1/datasets/pop", json={}), 405),
        (client.post("/api/v1/orgs", json={"slug": "x", "title": "x", "kind": "team"}), 403),
        (client.post("/api/v1/users", json={"username": "x"}), 403),
        (client.post("/api/v1/tokens", json={"name": "x"}), 401),
        (client.get("/api/v1/datasets/pop/resources/x/rows?limit=-1"), 422),
    ]
    for resp, status in cases:
        _check(resp, status)


def test_every_api_route_is_in_the_openapi_document(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    app_routes = {
        (route.path, method)
        for route in client.app.routes  # type: ignore[attr-defined]
        if getattr(route, "path", "").startswith("/api/v1/")
        and "openapi" not in route.path
        and "docs" not in route.path
        for method in getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}
    }
    assert app_routes <= documented
    for path in ("/api/v1/datasets", "/api/v1/datasets/{name}/resources", "/api/v1/jobs/{job_id}"):
        assert path in spec["paths"]
