"""Every Saleor webhook the app subscribes to."""

from saleor_app.saleor.webhooks.app_deleted import APP_DELETED
from saleor_app.saleor.webhooks.definition import SaleorWebhook

WEBHOOKS: tuple[SaleorWebhook, ...] = (APP_DELETED,)

__all__ = ["WEBHOOKS", "SaleorWebhook"]
