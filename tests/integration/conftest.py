"""The real local mail server, SMS gateway and PDF renderer of the notice tests, shared."""

from tests.integration.test_invoice_notices import gateway, renderer, smtp

__all__ = ["gateway", "renderer", "smtp"]
