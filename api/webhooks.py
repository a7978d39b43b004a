"""`POST /webhooks/mpesa/<secret>/validation|confirmation`: Safaricom Daraja's C2B callbacks.

The path's secret names the school (a wrong one is 404 and writes nothing). A confirmation is
recorded at once, one row per TransID, and answered; matching and allocating happen after, in
the allocation actor (a worker, or the server's own workers when embedded), so Daraja's call is
answered quickly even when allocation is slow. A validation records nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.money import mpesa

logger = logging.getLogger("billing.api")

ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}
#: Daraja's rejection codes: C2B00015 invalid short code, C2B00016 other error.
WRONG_SHORT_CODE = {"ResultCode": "C2B00015", "ResultDesc": "Rejected"}
UNREADABLE = {"ResultCode": "C2B00016", "ResultDesc": "Rejected"}
#: Largest callback body read (Daraja's are about 500 bytes).
MAX_BODY = 16_384

#: In-process allocations started when the queue could not take the message.
_tasks: set[asyncio.Task[None]] = set()


async def dispatch_allocation(transaction_pk: int) -> None:
    """Enqueue the allocation; if the queue is down, allocate in this process instead."""
    from workers.enqueue import dispatch_allocation as enqueue

    if await enqueue(transaction_pk):
        return
    task = asyncio.create_task(mpesa.allocate_transaction(transaction_pk))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ValueError("too large")
    return json.loads(raw)


async def mpesa_callback(request: Request) -> Response:
    if request.path_params.get("kind") not in ("validation", "confirmation"):
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    hook = await mpesa.webhook_for(str(request.path_params.get("secret", "")))
    if hook is None:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    try:
        payment = mpesa.parse_c2b(await _body(request))
    except (ValueError, UnicodeDecodeError):
        return JSONResponse(UNREADABLE, status_code=400)
    if not await mpesa.short_code_accepted(hook, payment.short_code):
        return JSONResponse(WRONG_SHORT_CODE)
    if request.path_params["kind"] == "confirmation":
        transaction_pk = await mpesa.record(hook, payment)
        await dispatch_allocation(transaction_pk)
    return JSONResponse(ACCEPTED)
