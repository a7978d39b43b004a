"""SMS through an HTTP gateway (SMS_GATEWAY_URL): the domain's SmsSender."""

from __future__ import annotations

import httpx

from domain.notices import Notice, NoticeFailed


class HttpSmsSender:
    """POSTs each SMS as JSON {"to", "message", "reference"}; any answer but 2xx is a failure."""

    def __init__(self, url: str, *, timeout_seconds: float) -> None:
        self.url = url
        self.timeout_seconds = timeout_seconds

    async def send_sms(self, notice: Notice, to: str) -> None:
        body = {"to": to, "message": notice.sms(), "reference": notice.number}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                response = await client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            raise NoticeFailed(f"SMS gateway: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise NoticeFailed(
                f"SMS gateway answered {response.status_code}: {response.text.strip()}"
            )
