"""A request refused with an HTTP status, a stable code and a message a person understands."""

from __future__ import annotations


class Refused(Exception):
    """Base of the refusals each entry point raises; `status` is what the caller gets."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
