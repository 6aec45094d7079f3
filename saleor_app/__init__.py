"""Reverse OTP for Saleor: hold risky orders until the shopper texts a code from their phone."""
