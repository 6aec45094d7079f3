"""At start-up: does this SECRET_KEY open the secrets already in the store?"""

from __future__ import annotations

from saleor_app.store.embedded import StoreStartError
from saleor_app.store.keys import global_key
from saleor_app.store.redis import Commands
from saleor_app.store.sealing import SealError, SecretBox

CHECK_KEY = global_key("secret-key-check")
CHECK_TEXT = "saleor-reverse-otp"


async def check_secret_key(redis: Commands, box: SecretBox) -> None:
    """Seal a known text on the first start; on later starts it must open, else StoreStartError
    (a wrong SECRET_KEY would fail every shop's request later, one by one)."""
    await redis.set(CHECK_KEY, box.seal(CHECK_TEXT), nx=True)
    sealed = await redis.get(CHECK_KEY)
    try:
        opened = box.open(str(sealed))
    except SealError:
        opened = ""
    if opened != CHECK_TEXT:
        raise StoreStartError(
            "SECRET_KEY does not open the secrets in this store: start with the SECRET_KEY they "
            "were written with"
        )
