"""Every limit of the public API, at its real value, over real HTTP."""

from __future__ import annotations

import asyncio
import json

import httpx

from saleor_app.storefront.limits import (
    CLIENT_REQUESTS_PER_MINUTE,
    MAX_ALIASES,
    MAX_BODY_BYTES,
    MAX_QUERY_DEPTH,
    MAX_QUERY_TOKENS,
    SUBJECT_REQUESTS_PER_MINUTE,
)
from tests.storefront.client import BY_ID, ask, open_challenge, post
from tests.support.shop import Shop


def messages(answer: dict) -> str:
    return " ".join(error["message"] for error in answer.get("errors", []))


async def test_query_depth_is_limited(shop: Shop) -> None:
    deep = "{ challenge(id: \"x\") { status " + "{ a " * MAX_QUERY_DEPTH + "}" * MAX_QUERY_DEPTH + " } }"
    answer = await post(shop.app.url, deep, api_url=shop.saleor.api_url)
    assert answer.status_code == 400
    assert f"exceeds maximum operation depth of {MAX_QUERY_DEPTH}" in messages(answer.json())


async def test_query_tokens_and_aliases_are_limited(shop: Shop) -> None:
    fields = " ".join(["status"] * MAX_QUERY_TOKENS)
    big = await post(shop.app.url, '{ challenge(id: "x") { ' + fields + " } }",
                     api_url=shop.saleor.api_url)
    assert big.status_code == 400
    assert f"more than {MAX_QUERY_TOKENS} tokens" in messages(big.json())
    aliases = " ".join(f'a{i}: challenge(id: "x{i}") {{ status }}' for i in range(MAX_ALIASES + 1))
    many = await post(shop.app.url, "{ " + aliases + " }", api_url=shop.saleor.api_url)
    assert many.status_code == 400
    assert f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}" in messages(many.json())
    allowed = " ".join(f'a{i}: challenge(id: "y{i}") {{ status }}' for i in range(MAX_ALIASES))
    assert (await ask(shop, "{ " + allowed + " }"))["data"] == {f"a{i}": None
                                                              for i in range(MAX_ALIASES)}


async def test_body_size_is_capped(shop: Shop) -> None:
    padding = " " * MAX_BODY_BYTES
    body = json.dumps({"query": "{ __typename }" + padding})
    async with httpx.AsyncClient() as http:
        answer = await http.post(shop.app.url + "/graphql", content=body, headers={
            "Content-Type": "application/json", "Saleor-Api-Url": shop.saleor.api_url})
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"


async def test_requests_per_client_address_are_limited(shop: Shop) -> None:
    async with httpx.AsyncClient(base_url=shop.app.url) as http:
        async def one(i: int) -> int:
            answer = await http.post("/graphql", json={"query": BY_ID, "variables": {"id": f"c{i}"}},
                                     headers={"Saleor-Api-Url": shop.saleor.api_url})
            return answer.status_code
        statuses = []
        for start in range(0, CLIENT_REQUESTS_PER_MINUTE + 20, 40):
            statuses += await asyncio.gather(*(one(i) for i in range(start, start + 40)))
    assert statuses.count(200) == CLIENT_REQUESTS_PER_MINUTE
    assert statuses.count(429) == len(statuses) - CLIENT_REQUESTS_PER_MINUTE == 20


async def test_requests_per_challenge_are_limited_whether_or_not_it_exists(shop: Shop) -> None:
    real = await open_challenge(shop, order_id="T3JkZXI6bGltaXQ=")
    for subject in (real.id, "ch_doesnotexist00000000000"):
        answers = [await ask(shop, BY_ID, id=subject)
                   for _ in range(SUBJECT_REQUESTS_PER_MINUTE + 1)]
        assert all("errors" not in a for a in answers[:-1])
        assert answers[-1]["data"] == {"challenge": None}
        assert answers[-1]["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    other = await open_challenge(shop, order_id="T3JkZXI6b3RoZXI=")
    assert (await ask(shop, BY_ID, id=other.id))["data"]["challenge"]["status"] == "PENDING"
