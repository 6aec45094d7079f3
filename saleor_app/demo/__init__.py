"""The `serve --demo` tenant and page, and the SMS simulator."""
