"""The merchant side: API, dashboard page and order widget."""
