"""The installed distribution's version."""

from importlib.metadata import PackageNotFoundError, version


def app_version() -> str:
    """`saleor-reverse-otp`'s version, or 0.0.0 when it runs from sources not installed."""
    try:
        return version("saleor-reverse-otp")
    except PackageNotFoundError:
        return "0.0.0"
