"""The caseload CSV: its columns, how a file is read, and how a cell becomes a value and back.

One row per child. A child's guardians sit in numbered slots (``guardian_1_*`` ...); the care team is
a list of staff emails in one cell. The same columns are written by the export, so a file exported
and imported again changes nothing.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

# Limits for one upload: a caseload is hundreds of children, not tens of thousands.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 5000

CHILD_COLUMNS = (
    "hospital_number",
    "nhs_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "postcode",
    "school",
    "status",
    "named_nurse_email",
    "care_team_emails",
    "lead_clinician_email",
)
GUARDIAN_FIELDS = (
    "name",
    "email",
    "relationship",
    "parental_responsibility",
    "authorised_by",
    "authorised_on",
    "authorisation_reason",
)
TEMPLATE_GUARDIAN_SLOTS = 2
MAX_GUARDIAN_SLOTS = 4
REQUIRED_COLUMNS = ("hospital_number", "given_name", "family_name", "date_of_birth", "named_nurse_email")
_GUARDIAN_COLUMN = re.compile(r"guardian_([1-9])_(\w+)")

# A cell a spreadsheet would run as a formula (CSV injection). The export writes such text with a
# leading apostrophe; the import takes "'=..." back as text and refuses a bare "=...".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BOM = b"\xef\xbb\xbf"


def guardian_columns(slots: int) -> list[str]:
    return [f"guardian_{n}_{name}" for n in range(1, slots + 1) for name in GUARDIAN_FIELDS]


def header(slots: int = TEMPLATE_GUARDIAN_SLOTS) -> list[str]:
    return [*CHILD_COLUMNS, *guardian_columns(slots)]


@dataclass
class FileRow:
    number: int  # the spreadsheet's row number (the header is row 1)
    cells: dict[str, str]
    extra_cells: bool = False


@dataclass
class ParsedFile:
    columns: list[str]
    rows: list[FileRow]
    guardian_slots: int


@dataclass
class Problem:
    column: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"column": self.column, "message": self.message}


@dataclass
class CellErrors:
    problems: list[Problem] = field(default_factory=list)

    def add(self, column: str, message: str) -> None:
        self.problems.append(Problem(column, message))


def decode(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; anything else is refused in plain words."""
    if not data:
        raise ValidationError({"file": "The file is empty."})
    if len(data) > IMPORT_MAX_BYTES:
        raise ValidationError(
            {"file": f"The file is too large: the limit is {IMPORT_MAX_BYTES // (1024 * 1024)} MB."}
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise ValidationError(
            {"file": "The file is UTF-16 text. Save it as “CSV UTF-8 (comma delimited)” and upload it again."}
        )
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            {
                "file": "The file is not UTF-8 text (it may be saved as “CSV” in an older encoding). "
                "Save it as “CSV UTF-8 (comma delimited)” and upload it again."
            }
        ) from exc


def _check_columns(columns: list[str]) -> int:
    """The number of guardian slots; refuses missing, unknown or repeated columns."""
    problems = []
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        problems.append(f"These columns appear more than once: {', '.join(repeated)}.")
    slots = 0
    unknown = []
    for column in columns:
        match = _GUARDIAN_COLUMN.fullmatch(column)
        if match and match.group(2) in GUARDIAN_FIELDS and int(match.group(1)) <= MAX_GUARDIAN_SLOTS:
            slots = max(slots, int(match.group(1)))
        elif column not in CHILD_COLUMNS:
            unknown.append(column)
    if unknown:
        problems.append(f"These columns are not part of the caseload template: {', '.join(unknown)}.")
    missing = [c for c in header(slots) if c not in columns]
    if missing:
        problems.append(f"These columns are missing: {', '.join(missing)}. Start from the template.")
    if problems:
        raise ValidationError({"file": problems})
    return slots


def parse(text: str) -> ParsedFile:
    """The header and each data row; lines whose first cell starts with "#" are comments (the template's
    demo row)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ValidationError({"file": f"The file is not a readable CSV file ({exc})."}) from exc
    if not records or not any(cell.strip() for cell in records[0]):
        raise ValidationError({"file": "The file has no header row. Start from the template."})
    columns = [cell.strip().lower() for cell in records[0]]
    slots = _check_columns(columns)
    rows = []
    for index, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        extra = any(cell.strip() for cell in cells[len(columns) :])
        padded = cells[: len(columns)] + [""] * (len(columns) - len(cells))
        rows.append(FileRow(index, dict(zip(columns, padded, strict=True)), extra))
    if not rows:
        raise ValidationError({"file": "The file has no rows to import below its header."})
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationError(
            {"file": f"The file has {len(rows)} rows; the limit is {IMPORT_MAX_ROWS}. Split it into parts."}
        )
    return ParsedFile(columns, rows, slots)


def clean_cell(column: str, raw: str, errors: CellErrors) -> str:
    """The cell's text, trimmed; a formula-like cell is refused, an exported "'=..." is taken as text."""
    if raw.startswith("'") and raw[1:2] in FORMULA_STARTS and raw[1:2]:
        return raw[1:].strip()
    if raw.startswith(FORMULA_STARTS):
        errors.add(
            column,
            f"The cell starts with “{raw[0].strip() or 'a tab or line break'}”, which a spreadsheet "
            "runs as a formula. Remove it, or start the text with an apostrophe.",
        )
        return ""
    return raw.strip()


def neutralise(value: str) -> str:
    """For the export: text a spreadsheet would run as a formula gets a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def parse_date(column: str, value: str, errors: CellErrors) -> datetime.date | None:
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007  (a date, no time)
        except ValueError:
            continue
    errors.add(column, f"“{value}” is not a date: write it as 2019-03-14 or 14/03/2019.")
    return None


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def parse_yes_no(column: str, value: str, errors: CellErrors, *, default: bool) -> bool:
    if not value:
        return default
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    errors.add(column, f"Write yes or no, not “{value}”.")
    return default


def parse_emails(value: str) -> list[str]:
    return [e.strip().lower() for e in re.split(r"[;,\s]+", value) if e.strip()]
