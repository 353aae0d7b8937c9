"""The data-quality report: what came in, what matched, what was dropped and why.

Every reader and join records itself here, so no row disappears silently. The
report is saved with the cache (JSON) and shown by `python -m data.build` and
on the app's About page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UNMATCHED_LISTED = 50  # keys listed per join; the counts always cover all of them


@dataclass
class QualityReport:
    files: list[dict] = field(default_factory=list)
    joins: list[dict] = field(default_factory=list)
    totals: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def file(self, name: str, rows_in: int, rows_kept: int, dropped: dict[str, int] | None = None,
             detail: str = "") -> None:
        dropped = {reason: int(n) for reason, n in (dropped or {}).items() if n}
        self.files.append({"file": name, "rows_in": int(rows_in), "rows_kept": int(rows_kept),
                           "dropped": dropped, "detail": detail})

    def join(self, name: str, total: int, matched: int, unmatched: list[dict] | None = None,
             reasons: dict[str, int] | None = None) -> None:
        unmatched = unmatched or []
        self.joins.append({
            "join": name, "total": int(total), "matched": int(matched),
            "match_rate": round(matched / total, 6) if total else 1.0,
            "reasons": {k: int(v) for k, v in (reasons or {}).items() if v},
            "unmatched": unmatched[:UNMATCHED_LISTED], "unmatched_count": len(unmatched),
        })

    def total(self, name: str, value: Any, unit: str = "") -> None:
        self.totals.append({"name": name, "value": value, "unit": unit})

    def note(self, text: str) -> None:
        self.notes.append(text)

    def to_dict(self) -> dict:
        return {"files": self.files, "joins": self.joins, "totals": self.totals, "notes": self.notes}

    @classmethod
    def from_dict(cls, raw: dict) -> QualityReport:
        return cls(raw.get("files", []), raw.get("joins", []), raw.get("totals", []), raw.get("notes", []))

    def to_text(self) -> str:
        lines = ["DATA-QUALITY REPORT", "", "Files (rows in -> kept; dropped by reason)"]
        for f in self.files:
            dropped = "; ".join(f"{r}: {n:,}" for r, n in f["dropped"].items()) or "none dropped"
            lines.append(f"  {f['file']}: {f['rows_in']:,} -> {f['rows_kept']:,} ({dropped})"
                         + (f" - {f['detail']}" if f["detail"] else ""))
        lines += ["", "Joins (matched / total = rate)"]
        for j in self.joins:
            lines.append(f"  {j['join']}: {j['matched']:,} / {j['total']:,} = {100 * j['match_rate']:.2f}%")
            for reason, n in j["reasons"].items():
                lines.append(f"      unmatched, {reason}: {n:,}")
            for u in j["unmatched"][:10]:
                lines.append("      - " + ", ".join(f"{k}={v}" for k, v in u.items()))
            if j["unmatched_count"] > 10:
                lines.append(f"      ... {j['unmatched_count'] - 10} more in quality.json")
        lines += ["", "Totals"]
        for t in self.totals:
            value = f"{t['value']:,.1f}" if isinstance(t["value"], float) else (
                f"{t['value']:,}" if isinstance(t["value"], int) else str(t["value"]))
            lines.append(f"  {t['name']}: {value} {t['unit']}".rstrip())
        if self.notes:
            lines += ["", "Notes"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)
