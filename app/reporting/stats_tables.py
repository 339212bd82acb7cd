"""The cells and tables of /stats: how a figure is written (`fmt_*`), a cell as the page shows it
and as its CSV file holds it (`Cell`), and a table (`Table`) that writes both, so a count withheld
on the page ("<3", "ẩn", see app/reporting/withholding.py) is withheld in the file as well. A CSV
cell never starts like a formula (`opendata.csv_text`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import cast

from app.core import i18n
from app.reporting import stats
from app.reporting.opendata import csv_text
from app.reporting.stats_span import Month
from app.reporting.withholding import Count, number

NO_DATA = "—"


# Formatting --------------------------------------------------------------------------------------

def _vi() -> bool:
    return i18n.get_locale() == "vi"


def fmt_int(n: int) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if _vi() else text


def fmt_count(value: int | Count) -> str:
    """A count as published: '<3' and 'ẩn' for the withheld ones (see `withholding.Count`)."""
    if isinstance(value, Count) and value.shown is None:
        return str(value)
    return fmt_int(cast(int, number(value)))  # not None: a withheld count returned above


def fmt_percent(share: float | None) -> str:
    p = stats.percent(share)
    return NO_DATA if p is None else f"{p}%"


def fmt_decimal(value: float | None, places: int = 1) -> str:
    if value is None:
        return NO_DATA
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if _vi() else text


@dataclass
class Cell:
    """One cell of a table: what the page shows, and what the CSV file holds when it differs
    (an ISO month, a percentage without its sign, a decimal point)."""

    text: str
    csv: str | None = None
    header: bool = False  # a row header (the month, the item)
    withheld: bool = False  # "<3" or "ẩn": explained by the page's note

    @property
    def file_value(self) -> str:
        return self.text if self.csv is None else self.csv


def count_cell(value: int | Count) -> Cell:
    withheld = isinstance(value, Count) and value.shown is None
    text = fmt_count(value)
    return Cell(text, csv=text if withheld else str(number(value)), withheld=withheld)


def percent_cell(share: float | None) -> Cell:
    p = stats.percent(share)
    return Cell(fmt_percent(share), csv="" if p is None else str(p))


def decimal_cell(value: float | None) -> Cell:
    return Cell(fmt_decimal(value), csv="" if value is None else f"{value:.1f}")


def month_cell(month: Month) -> Cell:
    return Cell(month.label, csv=month.key, header=True)


@dataclass
class Table:
    """A table of the page, and its CSV file (`/stats/{name}.csv`)."""

    name: str
    caption: str
    head: list[str]
    rows: list[list[Cell]]
    foot: list[list[Cell]] = field(default_factory=list)
    hint: str = ""
    kind: str = "table"

    @property
    def csv_url(self) -> str:
        return f"/stats/{self.name}.csv"

    def to_csv(self) -> bytes:
        """UTF-8 with a byte-order mark (Excel then reads the Vietnamese right), comma-separated,
        one header row, CRLF line ends."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.head)
        for row in (*self.rows, *self.foot):
            writer.writerow([csv_text(c.file_value) for c in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
