"""The canonical personnel record (shared/spec/data.md)."""

COLUMNS = [
    "employee_id", "birth_date", "hire_date", "employment_end_date", "function_code", "function_title",
    "function_start_date", "salary_scale", "physically_demanding", "unit", "department", "fte", "pop_date",
    "development_hours_12m", "sick_leave_start", "exemption_until", "contract_type",
    "development_offered", "move_offered",
]
FIELD_TYPES = {
    "employee_id": "string", "birth_date": "date", "hire_date": "date", "employment_end_date": "date",
    "function_code": "string", "function_title": "string", "function_start_date": "date",
    "salary_scale": "int", "physically_demanding": "bool", "unit": "string", "department": "string",
    "fte": "decimal", "pop_date": "date", "development_hours_12m": "decimal", "sick_leave_start": "date",
    "exemption_until": "date", "contract_type": "string",
    # the employer's duties (tri-state: true = offered, false = not offered, empty = not known)
    "development_offered": "bool", "move_offered": "bool",
}
REQUIRED = {
    "employee_id", "birth_date", "hire_date", "function_code", "function_start_date", "salary_scale",
    "physically_demanding", "unit", "fte", "development_hours_12m",
}

OPTIONAL = [c for c in COLUMNS if c not in REQUIRED]
DATE_COLUMNS = [c for c in COLUMNS if FIELD_TYPES[c] == "date"]
DECIMAL_COLUMNS = [c for c in COLUMNS if FIELD_TYPES[c] == "decimal"]
STRING_COLUMNS = [c for c in COLUMNS if FIELD_TYPES[c] == "string"]

#: dates of things that have happened by the time of an export: the newest of them is the export
#: date when none is given (``as_of``), and one after the reference date is worth a warning
EVENT_DATE_COLUMNS = ["birth_date", "hire_date", "function_start_date", "pop_date", "sick_leave_start"]

#: dates outside this window are typing errors, not history
DATE_MIN = "1900-01-01"
DATE_MAX = "2100-12-31"
#: what a datetime64[ns] column can hold, rounded inward: a date outside it is kept out of
#: the typed path and clipped to it before the range check above rejects it
NS_DATE_MIN, NS_DATE_MAX = "1678-01-01", "2262-01-01"
SCALE_MIN, SCALE_MAX = 1, 18
HOURS_MAX = 2000
MIN_AGE_AT_HIRE = 15

#: words read as true / false when no mapping says otherwise (compared case-insensitively)
TRUE_WORDS = ("true", "ja", "j", "1", "y", "yes")
FALSE_WORDS = ("false", "nee", "n", "0", "no")

#: mapping settings a command line flag may override (``--delimiter`` ... ``--header-row``)
READ_SETTINGS = ("delimiter", "encoding", "decimal", "date_format", "sheet", "header_row", "as_of")

REJECT_COLUMNS = ["row", "line", "employee_id", "column", "value", "message"]

#: hidden columns of a CSV line that could not be split: the message, and the line as it stood
LINE_ERROR = "_line_error"
LINE_TEXT = "_line_text"
#: hidden column: where the record stands in the file as a person sees it (CSV: the physical
#: line of its first line, 1-based, title and header lines counted; XLSX: the sheet row)
LINE_NUMBER = "_line"
