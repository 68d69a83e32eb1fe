"""``reports/index.html``: every run and notebook with status, data, forces, period, duration, failure."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from alliance_analysis import paths
from alliance_analysis.io import atomic_write_text


def _pid_alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError, TypeError):
        return False
    return True


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: Any) -> str:
    """Any JSON value as one line of text (a malformed record never breaks the index)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(v)}" for k, v in value.items())
    return str(value)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def run_status(run_dir: Path) -> str:
    """``complete``, ``running`` (its process is alive), ``interrupted`` or ``incomplete``.

    A run folder without ``run.json`` (runs from before status files) counts as complete.
    """
    status = _read_json(run_dir / "run.json") if (run_dir / "run.json").exists() else {"status": "complete"}
    state = status.get("status", "incomplete")
    if not isinstance(state, str):
        return "incomplete"
    if state == "running" and not _pid_alive(status.get("pid")):
        return "incomplete"
    return state


def index_rows(reports_dir: Path) -> list[dict[str, Any]]:
    """One row per run and notebook (planned notebooks that never started included).

    A malformed record (``run.json`` or ``*.provenance.json`` that is not JSON, or holds the
    wrong types) never breaks the index: its fields read as empty and its row says
    "unreadable record".
    """
    rows = []
    runs = sorted((d for d in reports_dir.iterdir() if d.is_dir() and not d.name.startswith(".")), reverse=True) \
        if reports_dir.exists() else []
    for run_dir in runs:
        status_file = _read_json(run_dir / "run.json")
        state = run_status(run_dir)
        prov_files = sorted(run_dir.glob("*.provenance.json"))
        provs = {p.name[: -len(".provenance.json")]: _read_json(p) for p in prov_files}
        unreadable = {p.name[: -len(".provenance.json")] for p in prov_files if not _read_json(p)}
        if not provs and not status_file:
            continue
        planned_raw = status_file.get("notebooks")
        planned = [str(n) for n in planned_raw if isinstance(n, (str, int))] if isinstance(planned_raw, list) else []
        planned = planned or list(provs)
        for name in planned + [n for n in provs if n not in planned]:
            p = provs.get(name, {})
            nb_status = p.get("status") if isinstance(p.get("status"), str) else "not started"
            if nb_status in ("running", "not started") and state != "running":
                nb_status = "incomplete" if (run_dir / f"{name}.ipynb").exists() or nb_status == "running" else "not run"
            report = _dict(p.get("report"))
            params = _dict(p.get("parameters"))
            link = next((f"{run_dir.name}/{name}{ext}" for ext in (".html", ".ipynb") if (run_dir / f"{name}{ext}").exists()), None)
            duration = p.get("duration_seconds")
            reason = _text(p.get("error")) or ("killed or stopped before it finished" if nb_status == "incomplete" else "")
            if name in unreadable:
                reason = f"unreadable record {name}.provenance.json (not a JSON object)" + (f"; {reason}" if reason else "")
            rows.append({
                "run": run_dir.name, "run_status": state, "notebook": name, "link": link, "status": nb_status,
                "source": _text(report.get("source") or params.get("data_source")),
                "forces": _text(report.get("forces") or params.get("forces")),
                "period": _text(report.get("period")),
                "duration": f"{duration:.0f} s" if isinstance(duration, (int, float)) and not isinstance(duration, bool)
                else "",
                "started": _text(p.get("start_time")),
                "reason": reason,
            })
    return rows


_COLOURS = {"succeeded": "#1b5e20", "failed": "#b71c1c", "incomplete": "#e65100", "running": "#0d47a1"}


def write_index(reports_dir: str | Path | None = None) -> Path:
    """Rebuild ``reports/index.html`` from every run folder (status file and provenance records).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> "<title>alliance-analysis reports</title>" in write_index(root).read_text()
    True
    """
    root = Path(reports_dir) if reports_dir else paths.REPORTS_DIR
    out = []
    for r in index_rows(root):
        name = html.escape(r["notebook"])
        cell = f"<a href='{html.escape(r['link'])}'>{name}</a>" if r["link"] else name
        pdf = r["link"][: -len(".html")] + ".pdf" if r["link"] and r["link"].endswith(".html") else None
        if pdf and (root / pdf).exists():
            cell += f" (<a href='{html.escape(pdf)}'>PDF</a>)"
        reason = html.escape(r["reason"].splitlines()[0][:300]) if r["reason"] else ""
        detail = f"<details><summary>{reason}</summary><pre>{html.escape(r['reason'][:3000])}</pre></details>" \
            if r["reason"] and "\n" in r["reason"] else reason
        colour = _COLOURS.get(r["status"], "#555")
        run_label = html.escape(r["run"]) + ("" if r["run_status"] == "complete" else f" <em>({html.escape(r['run_status'])})</em>")
        out.append(
            f"<tr><td>{run_label}</td><td>{cell}</td><td style='color:{colour}'><strong>{html.escape(r['status'])}</strong></td>"
            f"<td>{html.escape(str(r['source']))}</td><td>{html.escape(r['forces'])}</td><td>{html.escape(str(r['period']))}</td>"
            f"<td>{html.escape(r['duration'])}</td><td>{html.escape(str(r['started'])[:19])}</td><td>{detail}</td></tr>"
        )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>alliance-analysis reports</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd;"
        "text-align:left;vertical-align:top}pre{white-space:pre-wrap;max-width:60em}</style>"
        "</head><body><h1>alliance-analysis reports</h1><table><tr><th>run</th><th>report</th><th>status</th>"
        "<th>data source</th><th>forces</th><th>period</th><th>duration</th><th>started (UTC)</th>"
        "<th>failure reason</th></tr>" + "".join(out) + "</table></body></html>"
    )
    root.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(page, root / "index.html")
