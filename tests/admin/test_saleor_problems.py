"""Problems reported to Saleor's dashboard (appProblemCreate) are dismissed there
(appProblemDismiss) once the merchant fixed them."""

from __future__ import annotations

from typing import Any

from tests.admin.support import RISKY, data
from tests.support.shop import Shop, wait_for

SET_NUMBER = (
    "mutation($n: String!) { updateSettings(input: {virtualNumber: $n}) { errors { message } } }"
)


def saleor_problems(shop: Shop) -> list[dict[str, Any]]:
    """The app's problems as Saleor's dashboard lists them."""
    return list(shop.saleor.apps[shop.installed.app_id].node.get("problems", []))


async def test_a_fixed_problem_is_dismissed_in_saleor(shop: Shop) -> None:
    await shop.configure(virtual_number="")
    order = shop.saleor.add_order(**RISKY)
    (answer,) = await shop.saleor.send_event("ORDER_CREATED", order)
    assert answer.status_code == 200
    (problem,) = await wait_for(lambda: saleor_problems(shop))
    assert problem["key"] == "no-virtual-number" and problem["dismissed"] is None

    # Reading the Problems tab while it is not fixed dismisses nothing.
    codes = [p["code"] for p in (await data(shop, "query { problems { code } }"))["problems"]]
    assert "NO_VIRTUAL_NUMBER" in codes
    assert shop.saleor.calls("appProblemDismiss") == []

    result = await data(shop, SET_NUMBER, {"n": "+33757000000"})
    assert result["updateSettings"]["errors"] == []
    await wait_for(lambda: problem["dismissed"] is not None)
    assert problem["dismissed"]["by"] == "APP"
    (call,) = shop.saleor.calls("appProblemDismiss")
    assert call.variables == {"keys": ["no-virtual-number"]}
    reported = f"rotp:{{t:{(await shop.tenant()).id}}}:saleor-problems"

    async def none_reported() -> bool:
        return await shop.redis.smembers(reported) == set()

    await wait_for(none_reported)

    # Once dismissed, later reads and saves do not dismiss it again.
    await data(shop, "query { problems { code } }")
    await data(shop, SET_NUMBER, {"n": "+33757000001"})
    assert len(shop.saleor.calls("appProblemDismiss")) == 1
