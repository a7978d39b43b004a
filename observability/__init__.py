"""Telemetry that the server (api) and the workers set up alike; imports neither of them."""
