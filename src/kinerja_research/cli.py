"""The ``kinerja`` command line: simulate, validate, score, reports, diagnose."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console, JustifyMethod
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="kinerja_research: ASN merit, rewards, punishments and public-service quality.",
)
console = Console()
err = Console(stderr=True)

if TYPE_CHECKING:
    from kinerja_research.data.ingest import FileReport


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


SaltFile = Annotated[
    Path | None,
    typer.Option("--salt-file", help="file holding the pseudonymization salt (default: KINERJA_SALT, "
                 "else your own salt, see `kinerja salt`)"),
]


def _salt_or_fail(salt_file: Path | None, *, strict: bool = True) -> bytes:
    from kinerja_research.data.salt import SaltError, get_salt

    try:
        return get_salt(salt_file=salt_file, strict=strict)
    except SaltError as exc:
        _fail(str(exc))
    raise AssertionError  # pragma: no cover - _fail raises


def _read_options(decimal: str | None, thousands: str | None) -> dict[str, str]:
    # passed only when given, so the reader's defaults (locale detection) apply otherwise
    return {k: v for k, v in (("decimal", decimal), ("thousands", thousands)) if v is not None}


@app.command()
def simulate(
    preset: Annotated[str, typer.Option(help="tiny | jatim | national")] = "jatim",
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    out: Annotated[Path, typer.Option(help="folder to write the study to")] = Path("data/synthetic"),
    salt_file: SaltFile = None,
) -> None:
    """Build a synthetic world with known true effects and store it as Parquet."""
    import kinerja_research as kr
    from kinerja_research.data import save

    # synthetic NIPs are not secret: a short KINERJA_SALT only warns here
    key = _salt_or_fail(salt_file, strict=False)
    with console.status(f"simulating preset {preset!r} (seed {seed}) …"):
        try:
            study = kr.simulate(preset, seed)
        except ValueError as exc:
            _fail(str(exc))
    with console.status(f"writing {out} …"):
        save(study, out, salt=key)
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
    out: Annotated[Path, typer.Option(help="folder for the valid Parquet and the rejects CSV; not the "
                                      "folder of the raw file")] = Path("data/interim"),
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name or 0-based position")] = None,
    decimal: Annotated[str | None, typer.Option(help="decimal mark of the file's numbers, e.g. ','")] = None,
    thousands: Annotated[str | None, typer.Option(help="thousands separator, e.g. '.'")] = None,
    salt_file: SaltFile = None,
) -> None:
    """Validate FILE against the data contract.

    Writes the valid rows (NIP pseudonymized) as Parquet and the rejects as CSV, both in OUT
    (default data/interim, git-ignored), prints a summary without any NIP digits, and exits 1 if
    any row was rejected. The rejects file holds raw values for fixing the export, so it is
    personal data: its first line says so, and it is never written beside the raw file.
    """
    from kinerja_research.data import ContractError, pseudonymize_nip, read
    from kinerja_research.data.rejects import redact, write_rejects

    if out.resolve() == file.resolve().parent:
        _fail(f"--out {out} is the folder of the raw file; the rejects hold personal data and go "
              "elsewhere (default data/interim, git-ignored).")
    key = _salt_or_fail(salt_file)
    options: dict[str, Any] = dict(_read_options(decimal, thousands))
    if sheet is not None:
        options["sheet"] = int(sheet) if sheet.isdigit() else sheet
    try:
        res = read(file, table, **options)
    except (ContractError, ValueError) as exc:
        _fail(redact(str(exc)))
    except Exception as exc:  # a reader bug: report it without a traceback or cell values
        _fail(f"{file.name} could not be read ({type(exc).__name__}); please report this file's shape.")
    out.mkdir(parents=True, exist_ok=True)
    stem = file.stem
    valid = res.valid
    if "nip" in valid:
        valid = valid.assign(nip=pseudonymize_nip(valid["nip"], key)).rename(columns={"nip": "employee_id"})
    valid_path = out / f"{stem}.valid.parquet"
    rejects_path = out / f"{stem}.rejects.csv"
    valid.to_parquet(valid_path, index=False)
    write_rejects(res.rejected, rejects_path, file.name)

    t = Table(title=f"{file.name} → table '{table}'")
    t.add_column("rows read", justify="right")
    t.add_column("valid", justify="right", style="green")
    t.add_column("rejected", justify="right", style="red")
    t.add_row(f"{res.n_rows:,}", f"{len(res.valid):,}", f"{res.n_rejected_rows:,}")
    console.print(t)
    if res.dropped_personal:
        console.print(f"personal columns dropped: {redact(', '.join(res.dropped_personal))}")
    if res.ignored_columns:  # a file without a header row makes a record of headers: redact
        console.print(f"columns outside the contract (not kept): {redact(', '.join(res.ignored_columns))}")
    if res.n_rejected_rows:
        s = Table(title="problems")
        for c in ("column", "reason", "rows"):
            s.add_column(c)
        summary = res.summary().assign(reason=lambda d: d["reason"].astype(str).map(redact))
        summary = summary.groupby(["column", "reason"], as_index=False, sort=False)["rows"].sum()
        for row in summary.sort_values("rows", ascending=False).head(20).itertuples(index=False):
            s.add_row(str(row.column), str(row.reason), f"{row.rows:,}")
        console.print(s)
    console.print(f"valid rows → {valid_path}\nrejects    → {rejects_path} [bold](personal data: keep private)[/]")
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
def salt(
    new: Annotated[bool, typer.Option("--new", help="replace your salt with 256 fresh random bits")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask before --new")] = False,
    salt_file: SaltFile = None,
) -> None:
    """Show where the pseudonymization salt lives and its fingerprint (never the salt).

    Two machines hold the same salt exactly when the fingerprints agree. With --new the salt is
    replaced: pseudonyms made afterwards no longer match earlier ones.
    """
    from kinerja_research.data.salt import SaltError, new_user_salt, resolve_salt, user_salt_path

    try:
        if new:
            if salt_file is not None:
                _fail("--new replaces your own salt file; a --salt-file is managed by you.")
            err.print(
                "[bold yellow]warning:[/] a new salt gives every employee a new pseudonym: data "
                "processed with the old salt can no longer be linked to data processed with the new "
                "one (panels across years, re-runs of earlier studies)."
            )
            if not yes and not typer.confirm("Replace the salt?", default=False, err=True):
                _fail("salt not changed.", code=1)
            info, kept = new_user_salt()
            console.print(f"new salt      {info.path}\nfingerprint   {info.fingerprint}")
            if kept:
                console.print(f"old salt kept {kept} (move it back to undo; delete it when sure)")
            return
        _, info = resolve_salt(salt_file=salt_file)
    except SaltError as exc:
        _fail(str(exc))
    where = str(info.path) if info.path else f"the {info.source} environment variable" if info.source == "KINERJA_SALT" else info.source
    console.print(f"salt          {where}{' (created now)' if info.created else ''}")
    console.print(f"fingerprint   {info.fingerprint}")
    console.print(f"strength      {info.bits} bits{'' if info.bits >= 256 else ' — too short, use at least 256'}")
    if info.source != "user config":
        console.print(f"[dim]your own salt file would be {user_salt_path()}[/]")
    console.print("[dim]Keep the salt as private as the NIPs: with it, pseudonyms can be reversed.[/]")


@app.command()
def ingest(
    source_dir: Annotated[Path, typer.Argument(help="folder of exports (CSV, XLSX, Parquet)")],
    name: Annotated[str, typer.Option("--name", help="dataset name: data/processed/NAME, `dataset: NAME`")],
    mapping: Annotated[Path | None, typer.Option(help="YAML file → table mapping (default: "
                                                 "SOURCE_DIR/kinerja_ingest.yml if present)")] = None,
    lang: Annotated[str, typer.Option(help="language of the data-quality page: id | en")] = "id",
    decimal: Annotated[str | None, typer.Option(help="decimal mark of every file's numbers")] = None,
    thousands: Annotated[str | None, typer.Option(help="thousands separator of every file")] = None,
    data_root: Annotated[Path, typer.Option(help="the project's data folder")] = Path("data"),
    reports_dir: Annotated[Path, typer.Option(help="where the data-quality page goes")] = Path("reports"),
    salt_file: SaltFile = None,
) -> None:
    """Read a folder of exports into a validated, pseudonymized study data/processed/NAME.

    Each file's table is recognised from its headers (or named in the mapping file). Rejected rows
    go to data/interim/NAME (personal data), a data-quality page to
    reports/data_quality/NAME.html. Exits 1 if any file could not be used at all.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kinerja_research.data import ContractError
    from kinerja_research.data.ingest import ingest as run
    from kinerja_research.data.rejects import redact
    from kinerja_research.reports.quality import write_quality_page

    if lang not in ("id", "en"):
        _fail("--lang must be 'id' or 'en'")
    key = _salt_or_fail(salt_file)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task("reading", total=None)

        def step(path: str, report: FileReport | None) -> None:
            if report is None:
                bar.update(task, description=f"reading {redact(path)}")
                return
            mark = {"read": "[green]ok[/]", "rejected rows": "[yellow]some rows rejected[/]",
                    "skipped": "[dim]skipped[/]", "ignored": "[dim]ignored[/]"}.get(
                        report.status, f"[bold red]{report.status}[/]")
            bar.console.print(f"{redact(path)}: {report.table or '—'} — {report.n_rows:,} rows, "
                              f"{report.n_rejected:,} rejected — {mark}")
            bar.advance(task)

        try:
            result = run(source_dir, name, mapping=mapping, data_root=data_root, salt=key,
                         progress=step, **_read_options(decimal, thousands))
        except ContractError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"cannot write the study: {exc.strerror} ({exc.filename}).")
        bar.update(task, description="done", total=len(result.files), completed=len(result.files))
    try:
        page = write_quality_page(result, reports_dir / "data_quality" / f"{name}.html", lang=lang)
    except (ValueError, OSError) as exc:  # the privacy scan withheld it, or the folder is not writable
        page = None
        err.print(f"[bold red]data-quality page not written:[/] {exc}")

    t = Table(title=f"{source_dir} → dataset '{name}'")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("file", "left"), ("table", "left"), ("rows", "right"), ("valid", "right"),
        ("rejected", "right"), ("status", "left"))
    for c, j in columns:
        t.add_column(c, justify=j)
    for f in result.files:
        t.add_row(redact(f.path), f.table or "—", f"{f.n_rows:,}", f"{f.n_valid:,}", f"{f.n_rejected:,}",
                  f.status + (f": {f.message}" if f.message else ""))
    console.print(t)
    if result.study_dir:
        console.print(f"study        → {result.study_dir}  (dataset: {name})")
    if any(f.rejects_path for f in result.files):
        console.print(f"rejects      → {result.interim_dir} [bold](personal data: keep private)[/]")
    if page is not None:
        console.print(f"data quality → {page}")
    for f in result.failed:
        err.print(f"[red]not used:[/] {redact(f.path)}: {f.message}")
    raise typer.Exit(result.exit_code if page is not None else max(result.exit_code, 1))


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
    design: Annotated[str, typer.Argument(
        help="merit_did | merit_did_rcs | punishment_rd | punishment_rd_fuzzy | placement_aipw")],
    preset: Annotated[str, typer.Option(help="synthetic-world preset")] = "tiny",
    sims: Annotated[int, typer.Option(help="number of simulations")] = 500,
    seed: Annotated[int, typer.Option(help="master seed")] = 0,
    n_jobs: Annotated[int | None, typer.Option(help="worker processes")] = None,
) -> None:
    """Diagnose a declared design by simulation: bias, RMSE, power, coverage, MDE."""
    from kinerja_research.analysis.designs import synthetic_designs
    from kinerja_research.analysis.designs_rcs import rcs_designs
    from kinerja_research.data.simulate.presets import PRESETS
    from kinerja_research.stats.diagnose import diagnose as run

    if preset not in PRESETS:
        _fail(f"unknown preset {preset!r}; available: {', '.join(PRESETS)}")
    designs = {**synthetic_designs(preset), **rcs_designs(preset)}
    if design not in designs:
        _fail(f"unknown design {design!r}; available: {', '.join(sorted(designs))}")
    res = run(designs[design], sims=sims, seed=seed, n_jobs=n_jobs, progress=sys.stderr.isatty())
    console.print(res.summary())


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
