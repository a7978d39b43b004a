"""Implementations of the domain's ports over real libraries and transports."""
