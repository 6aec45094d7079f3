"""The public pages: the front door, the manifest's home, support and privacy pages, the logo
Saleor shows, and the guides."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image

from tests.support.app_server import AppServer


def test_front_door_gives_the_manifest_url_and_warns_about_a_local_address(
    app_server: AppServer,
) -> None:
    with app_server.client() as http:
        page = http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"{app_server.url}/api/manifest" in page.text
    assert "a Saleor elsewhere cannot reach it" in page.text, "APP_URL is on loopback here"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert 'href="/docs/security"' in page.text and 'href="/healthz"' in page.text


def test_manifest_pages_and_logo_answer(app_server: AppServer) -> None:
    with app_server.client() as http:
        manifest = http.get("/api/manifest").json()
        pages = {key: http.get(manifest[key]) for key in
                 ("homepageUrl", "supportUrl", "dataPrivacyUrl")}
        logo = http.get(manifest["brand"]["logo"]["default"])
    assert {key: answer.status_code for key, answer in pages.items()} == {
        "homepageUrl": 200, "supportUrl": 200, "dataPrivacyUrl": 200}
    assert "Data privacy" in pages["dataPrivacyUrl"].text
    assert manifest["brand"]["logo"]["default"].endswith(".png")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(logo.content))
    assert image.format == "PNG" and image.size[0] == image.size[1] >= 256


def test_operators_can_point_the_manifest_at_their_own_pages(
    start_app: Callable[..., AppServer],
) -> None:
    server = start_app(homepage_url="https://otp.example.com/",
                       support_url="https://help.example.com/otp",
                       privacy_url="https://example.com/privacy")
    with server.client() as http:
        manifest = http.get("/api/manifest").json()
    assert (manifest["homepageUrl"], manifest["supportUrl"], manifest["dataPrivacyUrl"]) == (
        "https://otp.example.com/", "https://help.example.com/otp", "https://example.com/privacy")


def test_guides_are_served_by_name_only(app_server: AppServer) -> None:
    with app_server.client() as http:
        guide = http.get("/docs/security")
        unknown = http.get("/docs/..%2Fpyproject")
        other = http.get("/docs/README")
    assert guide.status_code == 200 and guide.headers["content-type"].startswith("text/markdown")
    assert guide.text.startswith("# ")
    assert unknown.status_code == 404 and other.status_code == 404
