"""Spreadsheets built to hurt: a few kilobytes that declare a million rows are refused at once
with a sentence, and cells anyone can write never become formulas in an export."""

import csv
import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import editorial.admin  # noqa: F401 - registers the models with django-reversion, as the site does
from editorial import spreadsheets
from editorial.resources import EpisodeResource, GuestResource
from episodes.models import Episode, Guest
from tests.admin_pages import form_fields

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

IMPORT = "/admin/episodes/episode/import/"
EXPORT = "/admin/episodes/episode/export/"
CSV_AT, XLSX_AT, YAML_AT = 0, 1, 3  # their places in the admin's list of formats
FORMULAS = ('=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "'=already quoted")


def xlsx(cells, dimension=None):
    """An XLSX file holding ``cells`` ({(row, column): value}); ``dimension`` replaces the
    dimension it declares (None keeps openpyxl's, "" drops it)."""
    book = openpyxl.Workbook()
    for (row, column), value in cells.items():
        book.active.cell(row=row, column=column, value=value)
    stream = io.BytesIO()
    book.save(stream)
    if dimension is None:
        return stream.getvalue()
    source = zipfile.ZipFile(io.BytesIO(stream.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                replacement = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
                data = re.sub(rb"<dimension [^>]*/>", replacement, data)
            target.writestr(info, data)
    return out.getvalue()


# The file: a header and one cell at row 1,000,000, column 16,000.
MILLION = {(1, 1): "slug", (1, 2): "title", (1_000_000, 16_000): "x"}


def refused(fmt, data):
    started = time.monotonic()
    with pytest.raises(spreadsheets.SpreadsheetError) as error:
        fmt().create_dataset(data)
    assert time.monotonic() - started < 2
    return str(error.value)


# --- reading within bounds -----------------------------------------------------------------------


def test_a_small_xlsx_declaring_a_million_rows_is_refused_at_once():
    data = xlsx(MILLION)
    assert len(data) < 10_000
    assert "at most 5,000 rows are accepted" in refused(spreadsheets.XLSX, data)


@pytest.mark.parametrize("dimension", ["A1:B2", ""], ids=["false-dimension", "no-dimension"])
def test_an_xlsx_whose_dimension_lies_is_read_no_further_than_the_bounds(dimension):
    assert "at most 5,000 rows are accepted" in refused(spreadsheets.XLSX, xlsx(MILLION, dimension))


def test_an_xlsx_declaring_too_many_columns_is_refused():
    data = xlsx({(1, 1): "slug", (2, 1): "first", (2, 16_000): "x"})
    assert "The sheet has more than 50 columns" in refused(spreadsheets.XLSX, data)


def test_a_cell_far_past_the_headings_of_a_lying_xlsx_is_not_read():
    data = xlsx({(1, 1): "slug", (2, 1): "first", (2, 16_000): "x"}, dimension="A1:A2")
    started = time.monotonic()
    dataset = spreadsheets.XLSX().create_dataset(data)
    assert time.monotonic() - started < 2
    assert dataset.headers == ["slug"]
    assert list(dataset) == [("first",)]


def test_a_file_that_is_not_an_xlsx_is_refused_with_a_sentence():
    assert "not an XLSX spreadsheet" in refused(spreadsheets.XLSX, b"PK\x03\x04 not really a zip")
    assert "not an XLSX spreadsheet" in refused(spreadsheets.XLSX, b"slug,title\n")


def test_a_csv_of_too_many_rows_is_refused():
    assert "at most 5,000 rows" in refused(spreadsheets.CSV, "slug\n" + "x\n" * 5001)


def test_a_csv_line_of_a_million_commas_is_refused():
    assert "Row 2 has more than 50 columns" in refused(spreadsheets.CSV, "slug,title\n" + "," * 1_000_000)


def test_a_file_over_the_size_bound_is_refused_before_it_is_parsed():
    assert "at most 5,242,880 are accepted" in refused(spreadsheets.CSV, "slug\n" + "x" * (6 * 1024 * 1024))


def test_yaml_aliases_are_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    assert "YAML aliases" in refused(spreadsheets.YAML, "- slug: s\n  title: *b\n" + bomb)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", [spreadsheets.CSV, spreadsheets.XLSX, spreadsheets.JSON, spreadsheets.YAML])
def test_an_export_imports_back_with_nothing_changed(archive, fmt):
    Episode.objects.filter(slug="first").update(title=FORMULAS[0], description="- a list\n- of points")
    exported = fmt().export_data(EpisodeResource().export())
    result = EpisodeResource().import_data(fmt().create_dataset(exported), dry_run=True)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["skip", "skip"]


def admin_formats():
    """The formats the admin offers: this module's, or the page would read the hostile files
    whole (editorial/admin.py takes them from editorial.spreadsheets)."""
    from editorial.admin import EpisodeAdmin

    assert tuple(EpisodeAdmin.formats) == spreadsheets.TABULAR_FORMATS, "editorial/admin.py must use spreadsheets"
    assert issubclass(EpisodeAdmin, spreadsheets.ReadableImportErrors), "editorial/admin.py must use spreadsheets"


@pytest.mark.django_db
def test_the_import_page_says_why_a_file_is_refused(editor_client, archive):
    admin_formats()
    upload = SimpleUploadedFile("rows.xlsx", xlsx(MILLION), "application/octet-stream")
    started = time.monotonic()
    page = editor_client.post(IMPORT, {"import_file": upload, "format": XLSX_AT, "resource": 0})
    assert time.monotonic() - started < 2
    assert page.status_code == 200
    assert "The file has more than 5,000 rows; at most 5,000 rows are accepted" in page.content.decode()


# --- writing without formulas --------------------------------------------------------------------


def export_through_admin(client, fmt_index):
    admin_formats()
    fields = dict(form_fields(client.get(EXPORT).content.decode()))
    fields = {name: value for name, value in fields.items() if name != "csrfmiddlewaretoken"}
    fields.update(format=fmt_index, resource=0)
    # Every column of the resource, as the page ticks them.
    for name in [name for name in fields if name.startswith("episoderesource_")]:
        fields[name] = "on"
    response = client.post(EXPORT, fields)
    assert response.status_code == 200, response.content[:2000]
    return response.content


@pytest.fixture
def formula_titles(archive):
    for episode, title in zip(Episode.objects.order_by("id"), FORMULAS):
        episode.title = title
        episode.save(update_fields=["title"])
    Episode.objects.filter(slug="first").update(short_title="@cmd|' /C calc'!A0")
    return Episode.objects.order_by("id")


@pytest.mark.django_db
def test_csv_export_puts_an_apostrophe_before_a_formula(editor_client, formula_titles):
    rows = list(csv.reader(io.StringIO(export_through_admin(editor_client, CSV_AT).decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + FORMULAS[0] in cells
    assert "'+1+1" in cells
    assert "'@cmd|' /C calc'!A0" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


@pytest.mark.django_db
def test_xlsx_export_writes_text_never_formulas(editor_client, formula_titles):
    sheet = openpyxl.load_workbook(io.BytesIO(export_through_admin(editor_client, XLSX_AT))).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert [cell for cell in cells if cell.data_type == "f"] == []
    assert FORMULAS[0] in [cell.value for cell in cells]
    assert FORMULAS[1] in [cell.value for cell in cells]


@pytest.mark.django_db
def test_a_people_export_escapes_formulas_too():
    Guest.objects.create(short="eve", title="-1+1", bio_short="=1+1")
    rows = list(csv.reader(io.StringIO(spreadsheets.CSV().export_data(GuestResource().export()))))
    assert rows[1][:3] == ["eve", "'-1+1", "'=1+1"]
