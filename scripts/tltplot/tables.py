"""Reading tlt's CSV files, with errors that name the file, the problem and what to do."""

import os
import sys

import pandas as pd


class PlotError(Exception):
    """An invalid input file or option. plot.py prints the message and exits with code 2."""


def warn(message):
    """Print a warning for something the script handled by a change of course."""
    print(f"plot.py: warning: {message}", file=sys.stderr)


def read_header(path):
    """Return the column names of a CSV file's first line, or None if it cannot be read."""
    try:
        with open(path, encoding="utf-8") as file:
            line = file.readline()
    except (OSError, UnicodeDecodeError):
        return None
    return [name.strip() for name in line.rstrip("\r\n").split(",")]


def read_table(path, numeric_columns, text_columns=(), optional_columns=()):
    """Read a CSV file and return it as a pandas DataFrame.

    Every column of numeric_columns and text_columns must exist, and every row must have a number
    (including nan and inf) or an empty field in each of numeric_columns. Those present of
    optional_columns are converted to numbers as well. Raise PlotError for a missing or unreadable
    file, an empty file, a file without data rows, a missing column or a field that is not a number.
    """
    if os.path.isdir(path):
        raise PlotError(f"'{path}' is a folder, expected a CSV file")
    try:
        # Lines starting with "#" are skipped: the first line of a tlt landscape .partial file is one.
        frame = pd.read_csv(path, skipinitialspace=True, comment="#")
    except FileNotFoundError:
        raise PlotError(f"cannot read '{path}': file not found") from None
    except pd.errors.EmptyDataError:
        raise PlotError(f"'{path}' is empty; expected a CSV file with a header line, as tlt writes it") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        reason = " ".join(str(error).split())
        raise PlotError(f"cannot read '{path}' as CSV: {reason}") from None
    except OSError as error:
        raise PlotError(f"cannot read '{path}': {error.strerror}") from None
    frame.columns = [str(name).strip() for name in frame.columns]

    missing = [name for name in [*numeric_columns, *text_columns] if name not in frame.columns]
    if missing:
        expected = ",".join([*numeric_columns, *text_columns])
        raise PlotError(f"'{path}' has no column {', '.join(repr(name) for name in missing)}; its header is "
                        f"'{','.join(frame.columns)}', expected the columns {expected}")
    if frame.empty:
        raise PlotError(f"'{path}' has a header but no data rows")

    present_optional = [name for name in optional_columns if name in frame.columns]
    for name in [*numeric_columns, *present_optional]:
        frame[name] = to_numbers(frame[name], path, name)
    return frame


def to_numbers(column, path, name):
    """Convert a column to float64, raising PlotError that names the first field that is not a number."""
    values = pd.to_numeric(column, errors="coerce")
    invalid = values.isna() & column.notna()
    if invalid.any():
        row = int(invalid.to_numpy().argmax())
        raise PlotError(f"'{path}' data row {row + 1}: column '{name}' is '{column.iloc[row]}', expected a number")
    return values.astype(float)
