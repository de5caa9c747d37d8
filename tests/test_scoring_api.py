"""The reference qualification API over real loopback HTTP: the contract, 422 and 413."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator

import httpx
import pytest

from scoring.contract import MAX_LENGTHS
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


# --- bad input: 422 naming the field, never a 500, never the input echoed back ------------

SECRET = "do-not-echo-4711"


def raw_item(field: str, literal: str) -> bytes:
    """A request item as JSON text with one field's value written as ``literal`` verbatim
    (NaN, Infinity, a 30-digit integer, a lone surrogate escape are not producible with
    the json module's defaults)."""
    item = {**ITEM, "company_name": f"Acme {SECRET}"}
    item.pop(field, None)
    body = json.dumps(item)
    return body[:-1].encode() + f', "{field}": {literal}}}'.encode()


BAD_VALUES = [
    ("annual_revenue", "NaN"),
    ("annual_revenue", "Infinity"),
    ("annual_revenue", "-Infinity"),
    ("employees", "123456789012345678901234567890"),
    ("annual_revenue", "1" + "0" * 40),
    ("title", '"CTO \\ud800 of things"'),
    ("description", '"' + "x" * (MAX_LENGTHS["description"] + 1) + '"'),
]


@pytest.mark.parametrize(("field", "literal"), BAD_VALUES)
def test_bad_values_get_422_naming_the_field_without_echo(
    api: httpx.Client, field: str, literal: str
) -> None:
    body = raw_item(field, literal)
    r = api.post("/qualify", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text[:300]
    assert ["body", field] in [d["loc"] for d in r.json()["detail"]]
    assert SECRET not in r.text and "x" * 100 not in r.text and "ud800" not in r.text


@pytest.mark.parametrize(("field", "literal"), BAD_VALUES)
def test_a_bad_item_in_a_batch_fails_alone(api: httpx.Client, field: str, literal: str) -> None:
    good = json.dumps(ITEM).encode()
    body = b'{"items": [' + good + b"," + raw_item(field, literal) + b"," + good + b"]}"
    r = api.post("/qualify/batch", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text[:300]
    first, bad, last = r.json()["results"]
    assert first == last == api.post("/qualify", json=ITEM).json()
    assert bad["error"]["status"] == 422
    assert ["body", "items", 1, field] in [d["loc"] for d in bad["error"]["detail"]]
    assert SECRET not in r.text and "ud800" not in r.text


def test_a_missing_domain_in_a_batch_fails_alone(api: httpx.Client) -> None:
    r = api.post("/qualify/batch", json={"items": [ITEM, {"title": "CTO"}]})
    assert r.status_code == 200
    good, bad = r.json()["results"]
    assert good["model"] == "business_context"
    assert ["body", "items", 1, "domain"] in [d["loc"] for d in bad["error"]["detail"]]


def test_salesforce_maximum_description_is_accepted(api: httpx.Client) -> None:
    item = {**ITEM, "description": "API platform. " + "y" * (32_000 - 14)}
    assert len(item["description"]) == 32_000
    assert api.post("/qualify", json=item).status_code == 200


def test_the_422_of_a_whole_body_does_not_echo_it(api: httpx.Client) -> None:
    r = api.post(
        "/qualify/batch",
        content=f'{{"items": "{SECRET}"}}'.encode(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422 and ["body", "items"] in [d["loc"] for d in r.json()["detail"]]
    assert SECRET not in r.text


@pytest.fixture
def small_body_api() -> Iterator[httpx.Client]:
    os.environ["SCORING_API_MAX_BODY"] = "100000"
    try:
        with reference_api() as url, httpx.Client(base_url=url, timeout=10) as client:
            yield client
    finally:
        del os.environ["SCORING_API_MAX_BODY"]


def test_a_chunked_body_is_limited_like_one_with_content_length(
    small_body_api: httpx.Client,
) -> None:
    def chunks(total: int) -> Iterator[bytes]:
        yield b'{"items": ['
        sent = 0
        while sent < total:
            part = json.dumps(ITEM).encode() + b","
            sent += len(part)
            yield part
        yield json.dumps(ITEM).encode() + b"]}"

    big = small_body_api.post(
        "/qualify/batch", content=chunks(150_000), headers={"content-type": "application/json"}
    )
    assert big.status_code == 413 and "chunked" in big.json()["detail"]
    small = small_body_api.post(
        "/qualify/batch", content=chunks(5_000), headers={"content-type": "application/json"}
    )
    assert small.status_code == 200 and len(small.json()["results"]) > 10
