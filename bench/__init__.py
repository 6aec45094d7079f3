"""Benchmarks of Reverse OTP: `python -m bench [--quick]` prints one table of ratios."""
