"""The spreadsheet formats of the admin's import and export (django-import-export), read within
bounds and written without formulas.

Reading: a few bytes of spreadsheet can declare a million rows (an XLSX of 4.8 KB with one cell at
row 1,000,000, column 16,000 kept a worker busy until it was killed), so a file is refused, with
a sentence saying why, when its size, its unpacked size, the rows and columns it declares or the
rows and columns actually read pass a bound; nothing is read past one. JSON and YAML are bounded
by size and rows too, and YAML aliases (a few lines standing for billions of cells) are refused.

Writing: Excel and LibreOffice run a CSV cell starting with ``=``, ``+``, ``-`` or ``@`` as a
formula, and openpyxl writes an XLSX string starting with ``=`` as one; titles and biographies are
anyone's text. CSV cells that start so are written behind an apostrophe, which spreadsheets show
as text, and read back without it, so an export imported again changes nothing; XLSX cells are
written as text, never as formulas. (import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT
only strips a leading ``=``, which loses it on the way back, and leaves the others live.)
"""

import csv
import io
import zipfile

import tablib
import yaml
from django.conf import settings
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # the real archive has about 200 episodes and 300 people
MAX_COLUMNS = 50  # an export has 14
# 5,000 rows of episodes unpack to about 5.6 MB of XML; reading 8 MiB of XML, however it is laid
# out, takes openpyxl about 3 seconds.
MAX_UNPACKED_BYTES = 8 * 1024 * 1024

# What a spreadsheet reads as a formula at the start of a cell; the apostrophe is the escape.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


class SpreadsheetError(ValueError):
    """A file refused before it is read whole; the message says why, for the person importing."""


def _check_size(data):
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(
            f"The file is {len(data):,} bytes; at most {MAX_BYTES:,} are accepted. Import it in parts."
        )


def _check_rows(count):
    if count > MAX_ROWS:
        raise SpreadsheetError(
            f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} rows are accepted. Import it in parts."
        )


def _check_columns(count, where):
    if count > MAX_COLUMNS:
        raise SpreadsheetError(
            f"{where} has more than {MAX_COLUMNS:,} columns; at most {MAX_COLUMNS:,} columns are accepted. "
            "Remove the columns that are not in the export."
        )


def escape_formula(value):
    """A CSV cell as text a spreadsheet will not run; ``unescape_formula`` gives it back."""
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or _is_escaped(value)):
        return ESCAPE + value
    return value


def unescape_formula(value):
    return value[1:] if isinstance(value, str) and _is_escaped(value) else value


def _is_escaped(value):
    # A text that starts like an escaped one is escaped again, so reading back is exact.
    return value.startswith(ESCAPE) and value[1:2].startswith((*FORMULA_STARTS, ESCAPE))


class CSV(base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        _check_size(in_stream)
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        # Counted before tablib builds anything: a line of commas is a row of a million columns.
        try:
            count = 0
            for count, row in enumerate(csv.reader(io.StringIO(in_stream)), 1):
                _check_rows(count - 1)  # the first row is the header
                _check_columns(len(row), f"Row {count}")
        except csv.Error as exc:
            raise SpreadsheetError(f"The file cannot be read as CSV (row {count + 1}: {exc}).") from None
        dataset = super().create_dataset(in_stream, **kwargs)
        return tablib.Dataset(*([unescape_formula(value) for value in row] for row in dataset), headers=dataset.headers)

    def export_data(self, dataset, **kwargs):
        escaped = tablib.Dataset(
            *([escape_formula(value) for value in row] for row in dataset), headers=dataset.headers
        )
        return super().export_data(escaped, **kwargs)


class XLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        import openpyxl  # loaded only by a spreadsheet import, as import-export does
        from openpyxl.utils.exceptions import InvalidFileException

        _check_size(in_stream)
        try:
            with zipfile.ZipFile(io.BytesIO(in_stream)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise SpreadsheetError("The file is not an XLSX spreadsheet (it is not a zip file).") from None
        if unpacked > MAX_UNPACKED_BYTES:
            raise SpreadsheetError(
                f"The spreadsheet unpacks to {unpacked:,} bytes; at most {MAX_UNPACKED_BYTES:,} are accepted. "
                "Import it in parts."
            )
        book = None
        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
            return _read_sheet(book.active)
        except SpreadsheetError:
            raise
        # A damaged file: a missing part, bad XML (the XML parsers' errors are SyntaxErrors), a
        # value openpyxl cannot take.
        except (KeyError, IndexError, TypeError, ValueError, OSError, SyntaxError, InvalidFileException) as exc:
            raise SpreadsheetError(f"The file is not an XLSX spreadsheet that can be read ({exc}).") from None
        finally:
            if book is not None:
                book.close()

    def export_data(self, dataset, **kwargs):
        return _write_xlsx(dataset)


def _read_sheet(sheet):
    # The dimension the file declares answers at once for an honest file...
    if sheet.max_row:
        _check_rows(sheet.max_row - 1)  # the first row is the header
    if sheet.max_column:
        _check_columns(sheet.max_column, "The sheet")
    # ...and a dishonest one is read no further than the bounds: one row past them is enough
    # to tell. Columns past the headings are not imported, so they are not read either.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS + 1, values_only=True)
    header = next(rows, None)
    if header is None:
        return tablib.Dataset()
    if header[MAX_COLUMNS] is not None:
        _check_columns(MAX_COLUMNS + 1, "The header row")
    width = max((index + 1 for index, value in enumerate(header) if value is not None), default=0)
    dataset = tablib.Dataset(headers=list(header[:width]))
    skip_blank = getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False)
    for number, row in enumerate(rows, 1):
        _check_rows(number)
        values = list(row[:width])
        if not (skip_blank and all(value is None for value in values)):
            dataset.append(values)
    return dataset


def _write_xlsx(dataset):
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    rows = [list(row) for row in dataset]
    for index, header in enumerate(dataset.headers or []):
        longest = max([len(str(header))] + [len(str(row[index])) for row in rows if row[index] is not None])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(60, longest + 2)
    sheet.freeze_panes = "A2"

    def cell(value, bold=False):
        if not isinstance(value, str):
            return value
        # XLSX cannot hold control characters; a title with one is still exported.
        written = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value))
        if written.data_type in ("f", "e"):  # "=..." would be a formula, "#N/A" an error value
            written.data_type = "s"
        if bold:
            written.font = Font(bold=True)
        return written

    if dataset.headers:
        sheet.append([cell(str(header), bold=True) for header in dataset.headers])
    for row in rows:
        sheet.append([cell(value) for value in row])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _check_dataset(dataset):
    _check_rows(dataset.height)
    _check_columns(dataset.width, "The file")
    return dataset


class JSON(base_formats.JSON):
    def create_dataset(self, in_stream, **kwargs):
        _check_size(in_stream)  # parsing 5 MiB of JSON takes a fraction of a second
        return _check_dataset(super().create_dataset(in_stream, **kwargs))


class YAML(base_formats.YAML):
    def create_dataset(self, in_stream, **kwargs):
        _check_size(in_stream)
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        # An alias repeats what its anchor holds: a few lines of them stand for billions of cells.
        try:
            if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(in_stream, Loader=yaml.SafeLoader)):
                raise SpreadsheetError("YAML aliases (&anchor / *alias) are refused; write the values out in full.")
        except yaml.YAMLError as exc:
            raise SpreadsheetError(f"The file cannot be read as YAML ({exc}).") from None
        return _check_dataset(super().create_dataset(in_stream, **kwargs))


# Import and export, in the order the admin lists them.
TABULAR_FORMATS = (CSV, XLSX, JSON, YAML)

# import-export gives a format its cells as dates and numbers (not text) when its class is listed
# here; the XLSX format above is still XLSX.
if XLSX not in base_formats.BINARY_FORMATS:
    base_formats.BINARY_FORMATS.append(XLSX)


class DefaultFormatExportForm(SelectableFieldsExportForm):
    """The export form with XLSX chosen, not a blank choice that refuses the first click:
    a spreadsheet opens it as it is, where a CSV is opened with a guessed encoding and its dates
    guessed too."""

    def _init_formats(self, formats):
        super()._init_formats(formats)
        field = self.fields["format"]
        field.choices = [choice for choice in field.choices if choice[0] != ""]
        chosen = next((index for index, fmt in enumerate(formats) if issubclass(fmt, XLSX)), 0)
        self.initial.setdefault("format", str(chosen))


class ReadableImportErrors:
    """For an ImportExportModelAdmin: the import page says why a file was refused.
    import-export shows only the class of an exception raised while reading a file
    ("'ValueError' encountered while trying to read file"). Its export form starts with a
    format chosen (``DefaultFormatExportForm``)."""

    export_form_class = DefaultFormatExportForm

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, SpreadsheetError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)
