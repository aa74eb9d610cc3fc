"""The ``kinerja`` command line: simulate, validate, score, reports, diagnose."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="kinerja_research: ASN merit, rewards, punishments and public-service quality.",
)
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@app.command()
def simulate(
    preset: Annotated[str, typer.Option(help="tiny | jatim | national")] = "jatim",
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    out: Annotated[Path, typer.Option(help="folder to write the study to")] = Path("data/synthetic"),
) -> None:
    """Build a synthetic world with known true effects and store it as Parquet."""
    import kinerja_research as kr
    from kinerja_research.data import save

    with console.status(f"simulating preset {preset!r} (seed {seed}) …"):
        try:
            study = kr.simulate(preset, seed)
        except ValueError as exc:
            _fail(str(exc))
    with console.status(f"writing {out} …"):
        save(study, out)
    t = Table(title=f"synthetic world '{preset}' (seed {seed}) → {out}", show_lines=False)
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, df in study.tables().items():
        t.add_row(name, f"{len(df):,}")
    console.print(t)
    console.print("[dim]SYNTHETIC DATA — not real civil servants.[/]")


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or Parquet export")],
    table: Annotated[str, typer.Option(help="which contract table the file holds")] = "employees",
    out: Annotated[Path | None, typer.Option(help="folder for the valid Parquet and the rejects CSV (default: beside the file)")] = None,
    sheet: Annotated[str, typer.Option(help="Excel sheet name or 0-based position")] = "0",
) -> None:
    """Validate FILE against the data contract.

    Writes the valid rows (NIP pseudonymized) as Parquet and the rejects as CSV, both in OUT,
    prints a summary, and exits 1 if any row was rejected. The input file is never modified.
    """
    from kinerja_research.data import ContractError, pseudonymize_nip, read

    sheet_arg: str | int = int(sheet) if sheet.isdigit() else sheet
    try:
        res = read(file, table, sheet=sheet_arg)
    except (ContractError, ValueError) as exc:
        _fail(str(exc))
    out_dir = out or file.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file.stem
    valid = res.valid
    if "nip" in valid:
        valid = valid.assign(nip=pseudonymize_nip(valid["nip"])).rename(columns={"nip": "employee_id"})
    valid_path = out_dir / f"{stem}.valid.parquet"
    rejects_path = out_dir / f"{stem}.rejects.csv"
    valid.to_parquet(valid_path, index=False)
    res.rejected.to_csv(rejects_path, index=False)

    t = Table(title=f"{file.name} → table '{table}'")
    t.add_column("rows read", justify="right")
    t.add_column("valid", justify="right", style="green")
    t.add_column("rejected", justify="right", style="red")
    t.add_row(f"{res.n_rows:,}", f"{len(res.valid):,}", f"{res.n_rejected_rows:,}")
    console.print(t)
    if res.dropped_personal:
        console.print(f"personal columns dropped: {', '.join(res.dropped_personal)}")
    if res.ignored_columns:
        console.print(f"columns outside the contract (not kept): {', '.join(res.ignored_columns)}")
    if res.n_rejected_rows:
        s = Table(title="problems")
        for c in ("column", "reason", "rows"):
            s.add_column(c)
        for row in res.summary().head(20).itertuples(index=False):
            s.add_row(str(row.column), str(row.reason), f"{row.rows:,}")
        console.print(s)
    console.print(f"valid rows → {valid_path}\nrejects    → {rejects_path}")
    if res.n_rejected_rows:
        raise typer.Exit(1)


@app.command()
def score(
    directory: Annotated[Path, typer.Argument(help="a stored study (kinerja simulate --out DIR)")],
) -> None:
    """Score a stored study with the rubrics in force and write scored Parquet beside it."""
    from kinerja_research.data import ContractError, load
    from kinerja_research.scoring.study import score_study

    try:
        study = load(directory)
    except ContractError as exc:
        _fail(str(exc))
    with console.status("scoring …"):
        scored = score_study(study)
    out = directory / "scored"
    out.mkdir(exist_ok=True)
    t = Table(title=f"scores → {out}")
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, df in scored.items():
        df.to_parquet(out / f"{name}.parquet", index=False)
        t.add_row(name, f"{len(df):,}")
    console.print(t)


@app.command()
def reports(
    only: Annotated[str | None, typer.Option(help="glob pattern on report names")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="worker processes (default: CPU count)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")] = None,
    lang: Annotated[str | None, typer.Option(help="render only this language: id | en (default: both)")] = None,
    force: Annotated[bool, typer.Option("--force", help="re-run reports even if unchanged")] = False,
    grid: Annotated[Path, typer.Option(help="report grid YAML")] = Path("config/reports.yml"),
    out: Annotated[Path, typer.Option(help="output folder")] = Path("reports"),
    pdf: Annotated[bool | None, typer.Option("--pdf/--no-pdf", help="an A4 PDF beside each HTML "
                                             "(default: the grid's pdf option)")] = None,
    engine: Annotated[str | None, typer.Option(help="auto | fork | papermill (default: the grid's)")] = None,
    wait: Annotated[float, typer.Option(min=0, help="seconds to wait for another run writing to --out")] = 0.0,
) -> None:
    """Render the report grid (study notebooks and regional reports) to HTML."""
    from rich.markup import escape

    from kinerja_research.reports import run_reports
    from kinerja_research.reports.lock import OutputLocked
    from kinerja_research.reports.runner import RunInterrupted

    if lang not in (None, "id", "en"):
        _fail("--lang must be 'id' or 'en'")
    try:
        summary = run_reports(
            grid, only=only, workers=workers, scheduler=scheduler, lang=lang, force=force,
            out_dir=out, progress=sys.stderr.isatty(), pdf=pdf, engine=engine, lock_wait=wait,
        )
    except RunInterrupted as exc:
        err.print(f"[yellow]interrupted:[/] {escape(str(exc.summary))}; "
                  f"{len(exc.summary.interrupted)} report(s) marked interrupted")
        raise typer.Exit(130) from None
    except ImportError as exc:
        _fail(escape(_install_hint(exc)))
    except OutputLocked as exc:
        _fail(escape(str(exc)), code=75)
    except (ValueError, OSError) as exc:
        _fail(escape(str(exc)))
    console.print(str(summary))
    for name, error in summary.errors.items():
        err.print(f"[red]failed:[/] {escape(name)}: {escape(error)}")
    raise typer.Exit(summary.exit_code)


def _install_hint(exc: ImportError) -> str:
    """An optional dependency is missing: say which extra installs it."""
    msg = str(exc)
    if "pip install" in msg:
        return msg
    extra = {"distributed": "dist", "dask": "dist", "papermill": "notebooks", "nbconvert": "notebooks",
             "nbclient": "notebooks", "ipykernel": "notebooks"}.get((exc.name or "").split(".")[0])
    if extra:
        return f"{msg}; install it with: pip install 'kinerja_research[{extra}]'"
    return msg


@app.command()
def diagnose(
    design: Annotated[str, typer.Argument(help="merit_did | punishment_rd | placement_aipw")],
    preset: Annotated[str, typer.Option(help="synthetic-world preset")] = "tiny",
    sims: Annotated[int, typer.Option(help="number of simulations")] = 500,
    seed: Annotated[int, typer.Option(help="master seed")] = 0,
    n_jobs: Annotated[int | None, typer.Option(help="worker processes")] = None,
) -> None:
    """Diagnose a declared design by simulation: bias, RMSE, power, coverage, MDE."""
    from kinerja_research.analysis.designs import synthetic_designs
    from kinerja_research.stats.diagnose import diagnose as run

    designs = synthetic_designs(preset)
    if design not in designs:
        _fail(f"unknown design {design!r}; available: {', '.join(sorted(designs))}")
    res = run(designs[design], sims=sims, seed=seed, n_jobs=n_jobs, progress=sys.stderr.isatty())
    console.print(res.summary())


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
