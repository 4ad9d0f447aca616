"""``hpr data``: generate and validate personnel files."""

import click

from .common import DATE, data_path, note, read_options, write_rejects
from .main import cli

MAX_SHOWN = 50


@cli.group("data")
def data():
    """Personnel records: generate a synthetic population, validate an export.

    \b
    Examples:
      hpr data generate --n 1000 --seed 1 --out staff.csv
      hpr data validate staff.csv
      hpr data validate export.csv --mapping examples/youforce_mapping.yaml --strict
    """


@data.command("generate")
@click.option("--n", "n", type=click.IntRange(min=0), required=True, help="Number of employees.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed; the same seed gives the same file.")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), required=True,
              help="Output file: .csv, .xlsx or .parquet; - writes CSV to stdout.")
@click.option("--date", "date", type=DATE, default="2026-01-01", show_default=True,
              help="Reference date the population is drawn for.")
def generate(n, seed, out, date):
    """Write a synthetic population shaped like the programme's target group.

    \b
    \b
    Examples:
      hpr data generate --n 10000 --seed 42 --out staff.parquet --date 2026-01-01
      hpr data generate --n 100 -o - | head
    """
    from hpr_rules.records import generate_population, write_records

    frame = generate_population(n, seed, reference_date=date)
    if out == "-":
        import sys
        import tempfile
        from pathlib import Path
        with tempfile.TemporaryDirectory(prefix="hpr-") as tmp:  # the one CSV writer, then to stdout
            write_records(frame, Path(tmp) / "staff.csv")
            sys.stdout.buffer.write((Path(tmp) / "staff.csv").read_bytes())
            sys.stdout.flush()
    else:
        write_records(frame, out)
    note(f"wrote {n:,} records (seed {seed}, reference date {date.isoformat()}) to {'stdout' if out == '-' else out}")


@data.command("validate")
@click.argument("data_file", metavar="DATA", type=click.Path(dir_okay=False))
@click.option("--mapping", type=click.Path(dir_okay=False), help="Column-mapping YAML for an HR export.")
@click.option("--strict", is_flag=True, help="Exit 2 when any row is rejected.")
@click.option("--rejects", "rejects_out", type=click.Path(dir_okay=False),
              help="Write the full reject table (one line per failure) to this file: CSV, or .xlsx, "
                   ".parquet, .json by extension.")
@read_options
def validate(data_file, mapping, strict, rejects_out, read_flags):
    """Check a personnel file against the record contract; list every rejected value.

    DATA ``-`` reads CSV from stdin.

    \b
    Examples:
      hpr data validate staff.csv
      hpr data validate export.csv --mapping examples/youforce_mapping.yaml
      hpr data validate staff.csv --strict --rejects rejects.csv
    """
    from hpr_rules.records import load_records

    from hpr_rules.records.mapping import mapping_with
    m = mapping_with(mapping, **read_flags)
    rs = load_records(data_path(data_file), m)
    if rs.notes:
        note(f"{data_file}: read with {'; '.join(rs.notes)}")
    import datetime as dt

    from hpr_rules.records.asof import DataDates
    export, why = DataDates(dt.date.today()).add(rs).export_date(getattr(m, "as_of", None))
    if export is not None:
        note(f"{data_file}: exported on {export} ({why})")
    n_rej = len(rs.rejected_rows)
    click.echo(f"{data_file}: {rs.rows_read:,} rows read, {rs.rows_read - n_rej:,} accepted, {n_rej:,} rejected")
    rej = rs.rejects
    whole = [c.column for c in rs.columns.values() if c.whole]
    if whole:  # one diagnosis per column that failed throughout, instead of a line per cell
        click.echo("")
        for line in rs.diagnoses:
            click.echo(line)
        rej = rej[~rej["column"].isin(whole)]
    if len(rej):
        shown = rej.head(MAX_SHOWN).astype(object)
        shown = shown.where(shown.notna(), "")
        click.echo("")
        click.echo(_table(shown))
        if len(rej) > MAX_SHOWN:
            more = len(rej) - MAX_SHOWN
            hint = "" if rejects_out else " (use --rejects FILE for the full table)"
            click.echo(f"... and {more:,} more failures{hint}")
    if rejects_out:
        write_rejects(rej, rejects_out)
    if strict and n_rej:
        click.echo(f"hpr: error: {n_rej:,} rows rejected (--strict)", err=True)
        raise SystemExit(2)


def _table(df) -> str:
    cols = list(df.columns)
    cells = [[str(v) for v in df[c].tolist()] for c in cols]
    widths = [min(max([len(c)] + [len(v) for v in vals]), 60) for c, vals in zip(cols, cells)]

    widths[-1] = max(len(v) for v in [cols[-1]] + cells[-1])  # the last column (the message) is never cut

    def cut(v, w):
        return v if len(v) <= w else v[: w - 1] + "…"

    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()]
    for i in range(len(df)):
        lines.append("  ".join(cut(cells[j][i], widths[j]).ljust(widths[j]) for j in range(len(cols))).rstrip())
    return "\n".join(lines)
