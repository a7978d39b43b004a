"""Students enrolled as a bursar imports them: createStudents over HTTP, 1,000 a call.

Nothing is analysed by hand afterwards: the preview that follows meets the rows as fresh
as a school's first Monday of term has them (no statistics, or statistics from before).
"""

from __future__ import annotations

from typing import Any

import httpx

from api.ids import encode_id
from domain.students import MAX_BATCH

CREATE = """mutation($i: CreateStudentsInput!) { createStudents(input: $i) {
  errors { code message } } }"""


def _student(k: int, classes: list[int]) -> dict[str, Any]:
    return {
        "admissionNumber": f"ADM{k}",
        "firstName": f"First{k}",
        "lastName": f"Last{k % 997}",
        "status": "INACTIVE" if k % 50 == 0 else "ACTIVE",
        "schoolClassId": encode_id("SchoolClass", classes[k % len(classes)]),
        "guardianName": f"Guardian {k}",
        "guardianEmail": f"g{k}@example.org",
    }


async def enrol_students(base: str, school_id: int, token: str, classes: list[int], n: int) -> None:
    """Enrol students 1..n (see `tests.perf.seed.Enrol`) through `base`'s GraphQL API."""
    headers = {"Authorization": f"Bearer {token}"}
    school = encode_id("School", school_id)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as http:
        for first in range(1, n + 1, MAX_BATCH):
            batch = [_student(k, classes) for k in range(first, min(first + MAX_BATCH, n + 1))]
            response = await http.post(
                "/graphql",
                json={"query": CREATE, "variables": {"i": {"schoolId": school, "students": batch}}},
            )
            response.raise_for_status()
            body = response.json()
            if body.get("errors") or body["data"]["createStudents"]["errors"]:
                raise RuntimeError(f"createStudents failed: {body}")
