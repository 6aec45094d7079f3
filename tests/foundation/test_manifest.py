"""The manifest, validated the way Saleor validates it at install."""

from __future__ import annotations

import pytest

from graphql import OperationDefinitionNode, OperationType, parse, validate
from saleor_app.paths import GRAPHQL_DIR
from saleor_app.saleor.documents import document
from tests.support.app_server import AppServer
from tests.support.saleor_schemas import SCHEMA_FILES, enum_values, saleor_schema

VERSIONS = list(SCHEMA_FILES)


@pytest.fixture
def manifest(app_server: AppServer) -> dict:
    with app_server.client() as http:
        answer = http.get("/api/manifest")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    return answer.json()


def test_required_fields_and_urls(manifest: dict, app_server: AppServer) -> None:
    for key in ("id", "name", "version", "tokenTargetUrl", "appUrl"):
        assert isinstance(manifest[key], str) and manifest[key], key
    urls = [manifest["tokenTargetUrl"], manifest["appUrl"]]
    urls += [hook["targetUrl"] for hook in manifest["webhooks"]]
    urls += [ext["url"] for ext in manifest.get("extensions", [])]
    for url in urls:
        assert url.startswith(app_server.url + "/"), url
    assert manifest["tokenTargetUrl"] == app_server.url + "/api/register"


@pytest.mark.parametrize("version", VERSIONS)
def test_permissions_are_saleor_permissions(manifest: dict, version: str) -> None:
    assert set(manifest["permissions"]) <= enum_values(version, "PermissionEnum")
    assert set(manifest["permissions"]) == {"MANAGE_ORDERS", "MANAGE_CHECKOUTS"}


@pytest.mark.parametrize("version", VERSIONS)
def test_webhooks_validate_against_saleor(manifest: dict, version: str) -> None:
    events = enum_values(version, "WebhookEventTypeAsyncEnum")
    schema = saleor_schema(version)
    assert manifest["webhooks"], "the manifest declares webhooks"
    for hook in manifest["webhooks"]:
        assert set(hook["asyncEvents"]) <= events, hook["name"]
        assert hook["isActive"] is False, "webhooks start inactive until the token is stored"
        document = parse(hook["query"])
        assert validate(schema, document) == [], hook["name"]
        (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        assert operation.operation is OperationType.SUBSCRIPTION
        top_fields = operation.selection_set.selections
        assert len(top_fields) == 1 and top_fields[0].name.value == "event"


def test_webhook_paths_are_served_exactly(manifest: dict, app_server: AppServer) -> None:
    with app_server.client() as http:
        for hook in manifest["webhooks"]:
            path = hook["targetUrl"].removeprefix(app_server.url)
            answer = http.post(path, content=b"{}")
            assert answer.status_code in (400, 401), path


@pytest.mark.parametrize("version", VERSIONS)
def test_documents_sent_to_saleor_validate(version: str) -> None:
    schema = saleor_schema(version)
    files = sorted(GRAPHQL_DIR.glob("*.graphql"))
    sent = [f for f in files if f.name != "storefront.graphql"]
    assert sent
    for path in sent:
        errors = validate(schema, parse(document(path.stem)))
        assert errors == [], f"{path.name}: {errors}"


MOUNTS = {
    "ORDER_DETAILS_MORE_ACTIONS", "ORDER_OVERVIEW_CREATE", "ORDER_OVERVIEW_MORE_ACTIONS",
    "NAVIGATION_ORDERS", "ORDER_DETAILS_WIDGETS",
}


def test_extensions_are_valid_for_saleor(manifest: dict, app_server: AppServer) -> None:
    """Newest Saleor (no version header): the order-details widget, posted a token."""
    (widget,) = manifest["extensions"]
    assert widget["mount"] == "ORDER_DETAILS_WIDGETS" and widget["target"] == "WIDGET"
    assert widget["options"] == {"widgetTarget": {"method": "POST"}}
    assert widget["url"] == app_server.url + "/dashboard/order-widget"
    for extension in manifest["extensions"]:
        assert extension["label"] and extension["mount"] in MOUNTS
        assert set(extension["permissions"]) <= set(manifest["permissions"])
        assert not {"minSaleorVersion", "belowSaleorVersion"} & set(extension)


@pytest.mark.parametrize(
    ("version", "mount", "target"),
    [("3.21", "ORDER_DETAILS_MORE_ACTIONS", "POPUP"), ("3.22", "ORDER_DETAILS_WIDGETS", "WIDGET"),
     ("3.23", "ORDER_DETAILS_WIDGETS", "WIDGET")],
)
def test_extensions_follow_the_saleor_version(
    app_server: AppServer, version: str, mount: str, target: str
) -> None:
    """Saleor 3.20 and 3.21 refuse WIDGET mounts: they get an order action instead."""
    with app_server.client() as http:
        manifest = http.get("/api/manifest", headers={"Saleor-Schema-Version": version}).json()
    assert [(e["mount"], e["target"]) for e in manifest["extensions"]] == [(mount, target)]
    for extension in manifest["extensions"]:
        assert extension["url"].startswith(app_server.url + "/")
        assert set(extension["permissions"]) <= set(manifest["permissions"])
