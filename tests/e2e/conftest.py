"""The real local mail server and SMS gateway of the notice tests, for the process tests."""

from tests.integration.test_invoice_notices import gateway, smtp

__all__ = ["gateway", "smtp"]
