"""REST adapter: tools, calls, the report's routes, OpenAPI, problem+json errors."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

DESKTOP = {"category": "데스크톱컴퓨터", "page_size": 50, "max_pages": 2}


@pytest.fixture
def client(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        yield c


def test_report_route_returns_products_of_the_category(client):
    r = client.post("/api/v1/crawl/list", json={"category": "데스크톱컴퓨터"})
    assert r.status_code == 200
    body = r.json()
    assert body["items"], "the sandbox has desktop computers"
    assert all(item["category"] == "데스크톱컴퓨터" for item in body["items"])
    assert body["complete"] is True
    assert body["total_count"] == len(body["items"])
    assert isinstance(body["items"][0]["price"], int)


def test_tool_route_and_alias_return_the_same_records(client):
    a = client.post("/api/v1/tools/crawl_list", json=DESKTOP).json()
    b = client.post("/api/v1/crawl/list", json=DESKTOP).json()
    assert a == b
    assert len(a["items"]) == 100
    assert a["complete"] is False  # max_pages stopped the scan before the end


def test_list_tools_describes_schemas_and_annotations(client):
    tools = {t["name"]: t for t in client.get("/api/v1/tools").json()["tools"]}
    crawl = tools["crawl_list"]
    assert crawl["plugin"] == "g2b_mall"
    assert crawl["title"].startswith("쇼핑몰")  # Korean first
    assert crawl["input_schema"]["required"] == ["category"]
    assert crawl["annotations"]["readOnlyHint"] is True
    assert "items" in crawl["output_schema"]["properties"]


def test_health_and_server_info_mark_the_sandbox(client):
    health = client.get("/api/v1/health")
    assert health.json()["status"] == "ok"
    assert health.headers["x-naramarket-sandbox"] == "1"
    info = client.get("/api/v1/server/info").json()
    assert info["sandbox"] is True
    assert {"name": "g2b_mall"}.items() <= info["plugins"][0].items()
    assert [t["name"] for t in info["tools"]] == ["crawl_list"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "category"),
        ({"category": "데스크톱컴퓨터", "page_size": 1000}, "page_size"),
        ({"category": "데스크톱컴퓨터", "pagesize": 10}, "pagesize"),
        ({"category": 5}, "category"),
    ],
)
def test_bad_params_are_problem_json_naming_the_field(client, body, field):
    r = client.post("/api/v1/crawl/list", json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "invalid_params"
    assert field in problem["detail"]
    assert problem["instance"] == "/api/v1/crawl/list"


def test_malformed_json_is_a_problem_not_a_crash(client):
    r = client.post(
        "/api/v1/tools/crawl_list", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_params"


def test_unknown_tool_and_unknown_route_are_404_problems(client):
    r = client.post("/api/v1/tools/nope", json={})
    assert r.status_code == 404
    assert r.json()["code"] == "tool_not_found"
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_openapi_is_generated_from_the_structs(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    op = doc["paths"]["/api/v1/crawl/list"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    params = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert params["properties"]["page_size"]["maximum"] == 999
    result_ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    result = doc["components"]["schemas"][result_ref.rsplit("/", 1)[-1]]
    assert result["properties"]["items"]["items"]["$ref"] == "#/components/schemas/MallProduct"
    assert "MallProduct" in doc["components"]["schemas"]
    assert "/api/v1/tools/crawl_list/stream" in doc["paths"]
    assert client.get("/docs").status_code == 200


def test_dates_default_to_the_last_year_and_must_come_in_pairs(client):
    default = client.post("/api/v1/crawl/list", json={"category": "복사용지", "page_size": 200}).json()
    today = dt.date.today()
    explicit = client.post(
        "/api/v1/crawl/list",
        json={
            "category": "복사용지",
            "page_size": 200,
            "start_date": (today - dt.timedelta(days=400)).isoformat(),
            "end_date": (today + dt.timedelta(days=1)).isoformat(),
        },
    ).json()
    assert default["items"] and default["complete"] is True
    assert {i["product_id"] for i in default["items"]} <= {i["product_id"] for i in explicit["items"]}
    one_sided = client.post("/api/v1/crawl/list", json={"category": "복사용지", "start_date": "2025-01-01"})
    assert one_sided.status_code == 422
    assert "both" in one_sided.json()["detail"]
    reversed_range = client.post(
        "/api/v1/crawl/list",
        json={"category": "복사용지", "start_date": "2025-02-01", "end_date": "2025-01-01"},
    )
    assert reversed_range.status_code == 422
