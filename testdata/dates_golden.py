#!/usr/bin/env python3
"""Writes testdata/dates_golden.json: date values, the datetime_format they are parsed with, and the
9-int date vector real Ludwig gives, or its error.

Every vector comes from Ludwig itself, imported from the conformance suite's venv (Ludwig 0.10.4,
Python 3.11), so the file holds only outputs (facts), never Ludwig's code:
- format set: `datetime.strptime(value, format)` (what Ludwig's TorchScript predict path does)
  turned into the vector by `ludwig.utils.date_utils.create_vector_from_datetime_obj`;
- format null: `ludwig.utils.date_utils.parse_datetime` (Ludwig's training-path parser: dateutil,
  then numbers as epoch timestamps) on strings core/dates.ParseAuto claims to support, and
  `convert_number_to_datetime` on JSON numbers.

Run after `conformance/run.sh` has made its venv:
    TZ=UTC $HOME/.cache/ludwig-infer/conformance-venv/bin/python testdata/dates_golden.py
(or conformance/.venv/bin/python). The script forces TZ=UTC: epoch conversion uses the local zone.
"""
import json
import os
import time
from datetime import datetime

os.environ["TZ"] = "UTC"
time.tzset()

try:
    from ludwig.utils.date_utils import convert_number_to_datetime, create_vector_from_datetime_obj, parse_datetime
except ImportError as e:  # pragma: no cover - a usage error
    raise SystemExit(f"dates_golden.py needs real Ludwig (run it with the conformance venv's python): {e}")

HERE = os.path.dirname(os.path.abspath(__file__))


STRPTIME = [
    # (value, format)
    ("2023-01-31", "%Y-%m-%d"),
    ("26/02/2013 14:57", "%d/%m/%Y %H:%M"),
    ("29/02/2020 00:00", "%d/%m/%Y %H:%M"),
    ("2021-12-31 23:59:59", "%Y-%m-%d %H:%M:%S"),
    ("2021-12-31T23:59:59.123456", "%Y-%m-%dT%H:%M:%S.%f"),
    ("2021-12-31t23:59:59.5", "%Y-%m-%dT%H:%M:%S.%f"),
    ("2021-06-15 12:00:00.1234567", "%Y-%m-%d %H:%M:%S.%f"),
    ("2021-06-15 07:08:09+0530", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08:09-05:30", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08:09Z", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08:09z", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08:09+05:30:15", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08:09+053015.25", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08:09+05:3015", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08:09+2500", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08:09+05", "%Y-%m-%d %H:%M:%S%z"),
    ("2021-06-15 07:08 UTC", "%Y-%m-%d %H:%M %Z"),
    ("2021-06-15 07:08 gmt", "%Y-%m-%d %H:%M %Z"),
    ("2020 060", "%Y %j"),
    ("2021 060", "%Y %j"),
    ("2021 366", "%Y %j"),
    ("2020 366", "%Y %j"),
    ("2021 1", "%Y %j"),
    ("2021 000", "%Y %j"),
    ("2021 367", "%Y %j"),
    ("03/15/21 09:30 PM", "%m/%d/%y %I:%M %p"),
    ("03/15/21 12:30 am", "%m/%d/%y %I:%M %p"),
    ("03/15/21 12:30 PM", "%m/%d/%y %I:%M %p"),
    ("03/15/21 12:30", "%m/%d/%y %I:%M"),
    ("03/15/69 01:00", "%m/%d/%y %H:%M"),
    ("03/15/68 01:00", "%m/%d/%y %H:%M"),
    ("Monday, 05 June 2023", "%A, %d %B %Y"),
    ("mon, 05 jun 2023", "%a, %d %b %Y"),
    ("Wed, 05 Jun 2023", "%a, %d %b %Y"),
    ("Monday, 05 Jun 2023", "%a, %d %b %Y"),
    ("Mon, 05 June 2023", "%a, %d %b %Y"),
    ("SEPTEMBER 9 1999", "%B %d %Y"),
    ("Sep 9 1999", "%B %d %Y"),
    ("2023 23 1", "%Y %U %w"),
    ("2023 23 0", "%Y %U %w"),
    ("2023 00 0", "%Y %U %w"),
    ("2023 00 6", "%Y %W %w"),
    ("2023 52 3", "%Y %W %w"),
    ("2024 00 1", "%Y %W %w"),
    ("2022 00 Mon", "%Y %U %a"),
    ("2023 23", "%Y %U"),
    ("2023 10 7", "%G %V %u"),
    ("2021 01 1", "%G %V %u"),
    ("2020 53 Sunday", "%G %V %A"),
    ("2023 10", "%G %V"),
    ("2023 10 1", "%Y %V %u"),
    ("2023 1", "%G %u"),
    ("Tue Mar  7 14:05:09 2023", "%c"),
    ("03/07/23", "%x"),
    ("14:05:09", "%X"),
    ("100%", "%d%%"),
    ("20230131", "%Y%m%d"),
    ("2023130", "%Y%m%d"),
    ("202311", "%Y%m%d"),
    ("2023111", "%Y%m%d"),
    ("1301", "%m%d"),
    ("130", "%m%d"),
    ("123", "%d"),
    ("2023-01-31 ", "%Y-%m-%d"),
    (" 2023-01-31", "%Y-%m-%d"),
    ("2023-01-31   10:00", "%Y-%m-%d %H:%M"),
    ("2023-01-31\t10:00", "%Y-%m-%d %H:%M"),
    ("2023-01-3110:00", "%Y-%m-%d %H:%M"),
    ("2023-01- 1", "%Y-%m-%d"),
    ("2023-1-1 1:2:3", "%Y-%m-%d %H:%M:%S"),
    ("2023-02-29", "%Y-%m-%d"),
    ("2023-02-30", "%Y-%m-%d"),
    ("2023-13-01", "%Y-%m-%d"),
    ("2023-00-01", "%Y-%m-%d"),
    ("2023-01-32", "%Y-%m-%d"),
    ("2023-01-31 24:00", "%Y-%m-%d %H:%M"),
    ("2023-01-31 23:60", "%Y-%m-%d %H:%M"),
    ("2023-01-31 23:59:60", "%Y-%m-%d %H:%M:%S"),
    ("2023-01-31 23:59:61", "%Y-%m-%d %H:%M:%S"),
    ("0000-01-01", "%Y-%m-%d"),
    ("0001-01-01", "%Y-%m-%d"),
    ("9999-12-31 23:59:59", "%Y-%m-%d %H:%M:%S"),
    ("02/29", "%m/%d"),
    ("03/01", "%m/%d"),
    ("12:30", "%H:%M"),
    ("", "%Y"),
    ("abc", "%Y-%m-%d"),
    ("2023-01-31", "%Y-%m-%d %H"),
    ("2023-01-31", "%Y-%m-%e"),
    ("2023-01-31", "%Y-%m-%"),
    ("2023 2023", "%Y %Y"),
    ("2023-01-31 10", "%Y-%m-%d %I"),
    ("2023-01-31 13", "%Y-%m-%d %I"),
    ("2023-01-31 10 pm", "%Y-%m-%d %H %p"),
    ("2023-01-31 1", "%Y-%m-%d %w"),
    ("2023-01-31 7", "%Y-%m-%d %w"),
    ("2023-01-31 7", "%Y-%m-%d %u"),
    ("31.01.2023 um 10 Uhr", "%d.%m.%Y um %H Uhr"),
    ("31.01.2023 UM 10 uhr", "%d.%m.%Y um %H Uhr"),
    ("[2023] (01) *31* ^10$ a|b", "[%Y] (%m) *%d* ^%H$ a|b"),
    ("2023-01-31 10:00:00.", "%Y-%m-%d %H:%M:%S.%f"),
    ("2023-01-31 10:00:00.0000001", "%Y-%m-%d %H:%M:%S.%f"),
    ("23-1-31", "%y-%m-%d"),
    ("2023-01-31 2023", "%Y-%m-%d %G"),
    ("5 2023 1", "%j %Y %d"),
    ("1999 12 2000", "%y %m %Y"),
    ("2000 12 99", "%Y %m %y"),
    ("2023 Mar 03", "%Y %m %d"),
    ("2023 March 03 3", "%Y %B %d %m"),
]

AUTO = [
    "2023-01-31",
    "2023-01-31T12:30",
    "2023-01-31T12:30:45",
    "2023-01-31 12:30:45",
    "2023-01-31T12:30:45.123456",
    "2023-01-31T12:30:45.123456789",
    "2023-01-31T12:30:45Z",
    "2023-01-31T12:30Z",
    "2023-01-31T12:30:45+05:30",
    "2023-01-31 12:30:45-0800",
    "2023-01-31T12:30:45.5+01:00",
    "20230131",
    "202301311230",
    "20230131123045",
    "20230131T123045",
    "2023/01/31",
    "2023/01/31 08:09",
    "2023.01.31",
    "  2023-01-31  ",
    "2020-02-29T23:59:59",
    "1600000000",
    "1600000000.75",
    "1600000000000",
    "-86400",
    "yesterday",
    "not a date",
]

EPOCHS = [0, 1, 86399, 1600000000, 1600000000.4999994, 1600000000.9999996, 1700000000123,
          1700000000123456, 1700000000123456789, 16000000000, 160000000000, -1000000, 951782400]


def vector_or_error(fn):
    try:
        return {"vector": [int(x) for x in create_vector_from_datetime_obj(fn())]}
    except Exception as e:  # noqa: BLE001
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    rows = []
    for value, fmt in STRPTIME:
        row = {"value": value, "format": fmt}
        row.update(vector_or_error(lambda: datetime.strptime(value, fmt)))
        rows.append(row)
    for value in AUTO:
        row = {"value": value, "format": None}
        row.update(vector_or_error(lambda: parse_datetime(value)))
        rows.append(row)
    for value in EPOCHS:
        row = {"value": value, "format": None}
        row.update(vector_or_error(lambda: convert_number_to_datetime(value)))
        rows.append(row)
    out = os.path.join(HERE, "dates_golden.json")
    with open(out, "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
        f.write("\n]\n")
    print(f"wrote {os.path.relpath(out, HERE)}: {len(rows)} rows")


if __name__ == "__main__":
    main()
