"""Reverse OTP for Saleor: hold risky orders until the shopper proves their phone by sending one SMS."""
