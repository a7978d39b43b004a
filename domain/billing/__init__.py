"""Billing runs: create, preview, confirm, generate, retry, sweep."""
