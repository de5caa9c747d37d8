"""The reference qualification API over real loopback HTTP: the contract, 422 and 413."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from scoring.server import reference_api

ITEM = {
    "domain": "acme-api.io",
    "company_name": "Acme API Inc",
    "industry": "Technology",
    "employees": 12000,
    "annual_revenue": 2.1e9,
    "description": "API integrations platform",
    "title": "CTO",
    "email": "jo@acme-api.io",
    "lead_source": "Web",
}


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    with reference_api(max_batch=50) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


def test_health_lists_models_with_versions(api: httpx.Client) -> None:
    body = api.get("/health").json()
    assert body["status"] == "ok"
    assert {(m["name"], m["version"]) for m in body["models"]} == {
        ("business_context", "1.0"),
        ("demographic", "1.0"),
    }
    assert body["max_batch"] == 50


def test_qualify_one(api: httpx.Client) -> None:
    r = api.post("/qualify", json=ITEM)
    assert r.status_code == 200
    body = r.json()
    assert body["model"] == "business_context" and body["is_qualified"] is True
    assert isinstance(body["business_signals"], dict) and body["reasoning"]
    demo = api.post("/qualify", params={"model": "demographic"}, json=ITEM).json()
    assert demo["model"] == "demographic" and demo["industries"] == []


def test_qualify_only_domain_is_required_and_may_be_null(api: httpx.Client) -> None:
    r = api.post("/qualify", json={"domain": None})
    assert r.status_code == 200 and r.json()["is_qualified"] is False


def test_batch_keeps_order(api: httpx.Client) -> None:
    items = [ITEM, {"domain": None, "title": "Student"}, {**ITEM, "employees": 3}]
    r = api.post("/qualify/batch", json={"items": items})
    assert r.status_code == 200
    results = r.json()["results"]
    singles = [api.post("/qualify", json=i).json() for i in items]
    assert results == singles


@pytest.mark.parametrize(
    ("path", "body", "params", "field"),
    [
        ("/qualify", {"company_name": "x"}, {}, ["body", "domain"]),
        ("/qualify", {"domain": "a.com", "employees": -5}, {}, ["body", "employees"]),
        ("/qualify", {"domain": "a.com", "employees": "many"}, {}, ["body", "employees"]),
        ("/qualify", {"domain": None}, {"model": "nope"}, ["query", "model"]),
        ("/qualify/batch", {"items": [ITEM, {"title": "CTO"}]}, {}, ["body", "items", 1, "domain"]),
        ("/qualify/batch", {"rows": []}, {}, ["body", "items"]),
    ],
)
def test_bad_requests_get_422_naming_the_field(
    api: httpx.Client, path: str, body: dict, params: dict, field: list
) -> None:
    r = api.post(path, json=body, params=params)
    assert r.status_code == 422
    assert field in [d["loc"] for d in r.json()["detail"]]


def test_invalid_json_is_422(api: httpx.Client) -> None:
    r = api.post("/qualify", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_over_large_batch_is_413_with_a_clear_message(api: httpx.Client) -> None:
    r = api.post("/qualify/batch", json={"items": [ITEM] * 51})
    assert r.status_code == 413
    assert "51 items exceeds the limit of 50" in r.json()["detail"]


def test_over_large_body_is_413_before_it_is_read(api: httpx.Client) -> None:
    host, port = api.base_url.host, api.base_url.port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(
            b"POST /qualify/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1073741824\r\n\r\n"
        )
        answer = b""
        while b"exceeds" not in answer:
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer


def test_openapi_schema_documents_the_contract(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    assert {"/health", "/qualify", "/qualify/batch"} <= set(schema["paths"])
    batch = schema["paths"]["/qualify/batch"]["post"]
    assert "413" in batch["responses"]
    components = schema["components"]["schemas"]
    assert {"QualifyRequest", "QualifyResponse", "BatchRequest", "BatchResponse"} <= set(components)
    assert components["QualifyRequest"]["required"] == ["domain"]
