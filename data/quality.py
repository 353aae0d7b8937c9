"""The data-quality report: what came in, what matched, what was dropped and why.

Every reader and join records itself here, so no row disappears silently. The
report is saved with the cache (JSON) and shown by `python -m data.build` and
on the app's About page. It also lists every file the build read (size and
sha256), the plausibility checks with their measured worst case, the checks
overridden with `--accept`, and what each family covered (the next build
compares against it: a year or release that disappears is a failure).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UNMATCHED_LISTED = 50  # keys listed per join; the counts always cover all of them
FIELDS = ("files", "joins", "totals", "notes", "sources", "checks", "accepted", "coverage", "release_rows")


@dataclass
class QualityReport:
    files: list[dict] = field(default_factory=list)
    joins: list[dict] = field(default_factory=list)
    totals: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    accepted: list[dict] = field(default_factory=list)
    coverage: dict[str, dict[str, str]] = field(default_factory=dict)  # family -> {year or vintage: file}
    release_rows: dict[str, dict[str, int]] = field(default_factory=dict)  # family -> {release: rows}

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
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def from_dict(cls, raw: dict) -> QualityReport:
        """The report from its JSON form; a field of the wrong shape is a ValueError (a damaged cache)."""
        report = cls(**{name: raw[name] for name in FIELDS if name in raw})
        wrong = [name for name in FIELDS if not isinstance(getattr(report, name), type(getattr(cls(), name)))]
        if wrong:
            raise ValueError(f"quality report fields of the wrong type: {', '.join(wrong)}")
        return report

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
        if self.checks:
            lines += ["", "Plausibility checks (worst case measured; warn / fail thresholds)"]
            for c in self.checks:
                limits = f"; warn {100 * c['warn']:g}%, fail {100 * c['fail']:g}%" if c["fail"] is not None else ""
                lines.append(f"  {c['family']} {c['rule']}: {c['status'].upper()} - {c['worst']}{limits}")
                lines += [f"      {f['level']}: {f['file']}: {f['detail']}" for f in c["findings"]]
        if self.accepted:
            lines += ["", "Accepted with --accept (the build passed despite these)"]
            lines += [f"  {a['file']}:{a['rule']} - {a['detail']}" for a in self.accepted]
        if self.sources:
            lines += ["", "Files (size, sha256)"]
            lines += [f"  {s['file']}: {s['size']:,} bytes, sha256 {s['sha256']}"
                      + ("" if s["status"] == "used" else f" ({s['status']})") for s in self.sources]
        return "\n".join(lines)
