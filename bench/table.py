"""The one results table, and the machine it ran on."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("benchmark", "metric", "value", "baseline", "ratio", "goal", "met?")


@dataclass(frozen=True)
class Row:
    """One line of the table (strings, already formatted)."""

    benchmark: str
    metric: str
    value: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""
    met: str = ""

    def cells(self) -> tuple[str, ...]:
        return (self.benchmark, self.metric, self.value, self.baseline, self.ratio, self.goal,
                self.met)


def yes_no(met: bool) -> str:
    return "yes" if met else "**NO**"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def per_s(rate: float) -> str:
    return f"{rate:,.0f} req/s"


def mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}" if baseline else ""


def machine() -> str:
    """CPU model, cores, Python: the line printed with the table."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = os.cpu_count() or 0
    return (f"{model}, {cores} cores, Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()} {platform.release()}")


def render(rows: list[Row]) -> str:
    """A markdown table."""
    def escape(cell: str) -> str:
        return cell.replace("|", "\\|")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(escape(c) for c in row.cells()) + " |" for row in rows]
    return "\n".join(lines)
