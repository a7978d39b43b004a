"""Invoice generation, chunk by chunk; sweeping stalled runs."""

from __future__ import annotations


async def generate_chunk(run_id: int, chunk: int) -> None:
    raise NotImplementedError


async def claim_stalled_chunks() -> list[tuple[int, int]]:
    return []
