"""The ``alliance-analysis`` command line.

Examples
--------
>>> build_parser().parse_args(["run", "--only", "04_police_foundation_review"]).only
['04_police_foundation_review']
"""

from __future__ import annotations

import argparse
import logging
import sys

from alliance_analysis import paths
from alliance_analysis.errors import AllianceError


def _timeout(text: str) -> int:
    """argparse type for --timeout: a whole number of seconds >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds; give 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give a timeout of 1 second or more "
                                         "(leave --timeout out for no limit)")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (subcommands run, data build/fetch, notebooks, params)."""
    p = argparse.ArgumentParser(prog="alliance-analysis", description="Police alliance analysis: data, runs and reports.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute notebooks into reports/<run-id>/ with HTML and provenance")
    run.add_argument("--config", default=None, help="run YAML (default: config/run.yaml)")
    run.add_argument("--only", nargs="+", default=None, metavar="NAME", help="notebook names to run")
    run.add_argument("--output-dir", default=None, help="where run folders go (default: reports/)")
    run.add_argument("--fail-fast", action="store_true", help="stop at the first failing notebook")
    run.add_argument("--timeout", type=_timeout, default=None, help="per-cell timeout in seconds (>= 1)")
    run.add_argument("--no-html", action="store_true", help="skip HTML export")
    run.add_argument("--no-pdf", action="store_true", help="skip the PDF printed beside each HTML report")

    data = sub.add_parser("data", help="data commands")
    dsub = data.add_subparsers(dest="data_command", required=True)
    build = dsub.add_parser("build", help="build data/processed from data/raw and bundled tables")
    build.add_argument("--output-dir", default=None)
    fetch = dsub.add_parser("fetch", help="download the current official releases (Home Office, ONS) into data/raw")
    fetch.add_argument("--dest", default=None, help="root to fill (default: data/raw)")
    fetch.add_argument("--source", dest="sources", nargs="+", default=None, metavar="NAME",
                       help="release names or source folders to fetch (default: all)")
    fetch.add_argument("--base-url", default=None, help="fetch from this mirror instead of each listed URL")
    fetch.add_argument("--force", action="store_true",
                       help="download again even when today's fetched copy is present with its recorded checksum")
    fetch.add_argument("--deadline", type=_timeout, default=None,
                       help="overall limit per release in seconds, retries included (default 900)")
    fetch.add_argument("--max-mb", type=_timeout, default=None,
                       help="refuse a release larger than this many MB (default 200)")

    nbs = sub.add_parser("notebooks", help="notebook hygiene")
    nsub = nbs.add_subparsers(dest="nb_command", required=True)
    nsub.add_parser("strip", help="remove outputs from notebooks/*.ipynb")
    nsub.add_parser("check", help="fail if a notebook has outputs, def/class, or parameters not matching params.py")

    prm = sub.add_parser("params", help="describe a notebook's parameters: meaning, allowed values, default")
    prm.add_argument("name", help="notebook name or number, e.g. 01 or 01_demand_analysis")
    return p


def _default_text(value: object) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "empty list"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return f"{value:,.0f}"
    return repr(value) if isinstance(value, str) else str(value)


def describe_parameters(name: str) -> str:
    """Every parameter of a notebook in words: meaning, allowed values and default.

    ``name`` is a notebook's name or number (``"01"``).

    Examples
    --------
    >>> text = describe_parameters("02")
    >>> print(text.splitlines()[0])
    Parameters of 02_crime_trend_forecasting (set them under notebooks: 02_crime_trend_forecasting: in a run YAML)
    >>> "horizon" in text and "a whole number from 1 to 60" in text and "default: 8" in text
    True
    """
    import textwrap

    from alliance_analysis.params import NOTEBOOK_MODELS, allowed_values, describe_parameter, resolve_notebook_name

    notebook = resolve_notebook_name(name)
    model = NOTEBOOK_MODELS[notebook]
    lines = [f"Parameters of {notebook} (set them under notebooks: {notebook}: in a run YAML)", ""]
    for pname, f in model.model_fields.items():
        default = f.default_factory() if f.default_factory else f.default
        lines.append(pname)
        lines += textwrap.wrap(describe_parameter(notebook, pname), 88, initial_indent="    ", subsequent_indent="    ")
        lines.append(f"    allowed: {allowed_values(model, pname)}; default: {_default_text(default)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(args)
    except AllianceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from alliance_analysis import reports

        config = args.config
        if config is None and (paths.CONFIG_DIR / "run.yaml").exists():
            config = paths.CONFIG_DIR / "run.yaml"
        result = reports.run_notebooks(config, only=args.only, output_dir=args.output_dir,
                                       fail_fast=args.fail_fast, timeout=args.timeout,
                                       html=not args.no_html, progress=sys.stderr.isatty(),
                                       pdf=not args.no_pdf)
        for nb in result.notebooks:
            line = f"{nb.status:9s} {nb.name} ({nb.seconds:.1f} s) -> {nb.html or nb.output}"
            print(line)
            if nb.error:
                for err_line in nb.error.splitlines()[:8]:
                    print("          " + err_line[:300])
        print(f"run {result.run_id}: {sum(n.status == 'succeeded' for n in result.notebooks)}/"
              f"{len(result.notebooks)} succeeded; index: {result.run_dir.parent / 'index.html'}")
        return 0 if result.ok else 1
    if args.command == "data" and args.data_command == "fetch":
        from alliance_analysis.datasets import download

        limits: dict[str, object] = {"force": True} if args.force else {}
        if args.deadline is not None:
            limits["deadline"] = float(args.deadline)
        if args.max_mb is not None:
            limits["max_bytes"] = int(args.max_mb) * 1024**2
        records = download.fetch_official_releases(dest=args.dest, sources=args.sources, base_url=args.base_url,
                                                   **limits)
        for rec in records:
            print(f"fetched {getattr(rec, 'path', rec)}")
        print(f"fetched {len(records)} releases into {args.dest or paths.RAW_DIR}")
        return 0
    if args.command == "data":
        from alliance_analysis import build

        kwargs = {"progress": sys.stderr.isatty()}
        if args.output_dir:
            kwargs["output_dir"] = args.output_dir
        manifest = build.build_processed(**kwargs)
        print(f"built {len(manifest)} outputs into {args.output_dir or paths.PROCESSED_DIR}")
        return 0
    if args.command == "notebooks":
        from alliance_analysis import reports

        files = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
        if args.nb_command == "strip":
            changed = [f.name for f in files if reports.strip_notebook(f)]
            print(f"stripped {len(changed)} of {len(files)} notebooks" + (f": {', '.join(changed)}" if changed else ""))
            return 0
        problems = [p for f in files for p in reports.check_notebook(f)]
        for p in problems:
            print(p)
        print(f"{len(files)} notebooks checked, {len(problems)} problems")
        return 1 if problems else 0
    if args.command == "params":
        print(describe_parameters(args.name))
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
