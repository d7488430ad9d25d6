"""The Markdown and JSON tables of a request-path bench run."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _ratio(row: dict[str, Any], rows: list[dict[str, Any]]) -> float | None:
    bare = next(
        (
            r
            for r in rows
            if r["case"] == row["case"]
            and r["target"] == "bare"
            and r["connections"] == row["connections"]
        ),
        None,
    )
    if bare is None or not bare["rps"]:
        return None
    return round(row["rps"] / bare["rps"], 2)


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    """Ratios and the issue's targets, computed from the rows of one run."""
    rows = results["cases"]
    for row in rows:
        row["vs_bare"] = _ratio(row, rows)

    def rps(case: str, target: str, c: int = 16) -> float | None:
        return next(
            (
                r["rps"]
                for r in rows
                if r["case"] == case and r["target"] == target and r["connections"] == c
            ),
            None,
        )

    def div(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a and b else None

    create16 = next(
        (
            r
            for r in rows
            if r["case"] == "create" and r["target"] == "customer" and r["connections"] == 16
        ),
        None,
    )
    ev = results.get("events") or {}
    return {
        "create vs bare (c16) >= 0.6": div(rps("create", "customer"), rps("create", "bare")),
        "list vs bare (c16) >= 0.6": div(rps("list 1k", "customer"), rps("list 1k", "bare")),
        "list 1M vs list 1k >= 0.9": div(rps("list 1M", "customer"), rps("list 1k", "customer")),
        "gateway vs direct, list (c16) >= 0.8": div(
            rps("list 1k", "gateway"), rps("list 1k", "customer")
        ),
        "gateway vs direct, create (c16) >= 0.8": div(
            rps("create", "gateway"), rps("create", "customer")
        ),
        "create p99 / p50 (c16) <= 3": div(create16["p99_ms"], create16["p50_ms"])
        if create16
        else None,
        "event latency p99 ms <= 250": ev.get("p99_ms"),
        "relay drain vs bare producer >= 0.5": (results.get("drain") or {}).get("ratio"),
    }


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    out = [
        f"Run {meta['when']} on {meta['host']} ({meta['cpus']} CPUs), {meta['workers']} workers"
        f" per server, {meta['seconds']} s measured after {meta['warmup']} s warm-up per case"
        f"{' (smoke mode)' if meta['smoke'] else ''}.",
        "",
        "| case | target | conns | req/s | × bare | p50 ms | p99 ms | errors | rows check |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results["cases"]:
        check = ""
        if "rows_added" in r:
            check = (
                f"{r['rows_check']}: {r['created_2xx']} × 2xx → {r['rows_added']} rows, "
                f"{r['events_added']} events"
            )
        out.append(
            f"| {r['case']} | {r['target']} | {r['connections']} | {r['rps']:,.0f} | "
            f"{r['vs_bare'] if r['vs_bare'] is not None else '—'} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['errors']} | {check} |"
        )
    ev, dr = results.get("events") or {}, results.get("drain") or {}
    if ev:
        out += [
            "",
            f"Event latency, commit → copy in the ticket service, {ev['rate_per_s']:g} creates/s"
            f" for {ev['seconds']:g} s: p50 **{ev['p50_ms']} ms**, p99 **{ev['p99_ms']} ms**, "
            f"max {ev['max_ms']} ms ({ev['arrived']}/{ev['events']} events arrived, "
            f"{ev['non_201']} non-201 answers).",
        ]
    if dr:
        out += [
            "",
            f"Relay drain of {dr['backlog']:,} outbox rows: **{dr['relay_per_s']:,}/s** against a"
            f" bare aiokafka producer's {dr['bare_per_s']:,}/s (**{dr['ratio']}×**).",
        ]
    out += ["", "| target | measured |", "|---|---:|"]
    out += [f"| {k} | {v} |" for k, v in results["targets"].items()]
    for size, plans in results.get("explain", {}).items():
        out += ["", f"Plans of the customer list at {size} customers:", ""]
        for title, lines in plans.items():
            out += [f"- {title}:", "", "```", *[ln for ln in lines if ln], "```", ""]
    return "\n".join(out) + "\n"


def write_report(results: dict[str, Any], out: Path, args: Any) -> Path:
    results["meta"] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "cpus": __import__("os").cpu_count(),
        "workers": args.workers,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "smoke": args.smoke,
    }
    results["targets"] = summarise(results)
    out.mkdir(parents=True, exist_ok=True)
    stem = "requestpath-smoke" if args.smoke else "requestpath"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    path = out / f"{stem}.md"
    path.write_text(markdown(results))
    return path
