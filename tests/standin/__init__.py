"""A Saleor 3.23 stand-in for tests that speaks Saleor's real wire format."""

from .saleor import InstallError, InstallResult, RecordedCall, SaleorStandIn

__all__ = ["InstallError", "InstallResult", "RecordedCall", "SaleorStandIn"]
