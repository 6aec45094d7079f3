"""Every Saleor webhook the app subscribes to."""

from saleor_app.saleor.webhooks.app_deleted import APP_DELETED
from saleor_app.saleor.webhooks.checkout_created import CHECKOUT_CREATED
from saleor_app.saleor.webhooks.checkout_updated import CHECKOUT_UPDATED
from saleor_app.saleor.webhooks.definition import SaleorWebhook
from saleor_app.saleor.webhooks.order_cancelled import ORDER_CANCELLED
from saleor_app.saleor.webhooks.order_confirmed import ORDER_CONFIRMED
from saleor_app.saleor.webhooks.order_created import ORDER_CREATED
from saleor_app.saleor.webhooks.order_expired import ORDER_EXPIRED

WEBHOOKS: tuple[SaleorWebhook, ...] = (
    ORDER_CREATED,
    ORDER_CONFIRMED,
    ORDER_CANCELLED,
    ORDER_EXPIRED,
    CHECKOUT_CREATED,
    CHECKOUT_UPDATED,
    APP_DELETED,
)

__all__ = ["WEBHOOKS", "SaleorWebhook"]
