"""What a benchmark measured: per-size timings, their medians and ratios, and the table."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RunTimes:
    students: int
    invoices: int = 0
    preview_s: list[float] = field(default_factory=list)
    lines_page_s: list[float] = field(default_factory=list)
    run_s: list[float] = field(default_factory=list)
    floor_s: list[float] = field(default_factory=list)
    naive_s: list[float] = field(default_factory=list)
    max_update_gap_s: list[float] = field(default_factory=list)
    confirm_to_first_update_s: list[float] = field(default_factory=list)

    def medians(self) -> dict[str, float]:
        m = {k: statistics.median(v) for k, v in asdict(self).items() if isinstance(v, list) and v}
        m["invoices_per_s"] = self.invoices / m["run_s"]
        m["run_over_floor"] = m["run_s"] / m["floor_s"]
        if "naive_s" in m:
            m["naive_over_run"] = m["naive_s"] / m["run_s"]
        m["ms_per_invoice"] = 1000 * m["run_s"] / self.invoices
        return m


def table(results: dict[str, Any]) -> str:
    rows = [f"{'measure':<34}{'value':>14}"]
    for key, value in results.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                rows.append(
                    f"{key + '.' + sub:<34}{v:>14.3f}"
                    if isinstance(v, float)
                    else f"{key + '.' + sub:<34}{v!s:>14}"
                )
        else:
            rows.append(f"{key:<34}{value!s:>14}")
    return "\n".join(rows)
