#!/usr/bin/python3
"""xlsx_read.py FILE — a workbook's cells as JSON, for the C unit tests.

Prints {"sheets": [{"name", "freeze", "filter", "rows": [[value, ...]],
"formats": [[number_format, ...]]}]}: values as openpyxl reads them (numbers
stay numbers; dates become "YYYY-MM-DD"), so a test checks what a
spreadsheet would show, read by a program that is not the writer.
"""
import datetime
import json
import sys

import openpyxl


def value(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.strftime("%Y-%m-%d")
    return v


def main(path):
    wb = openpyxl.load_workbook(path)
    out = {"sheets": []}
    for ws in wb.worksheets:
        rows, fmts = [], []
        for row in ws.iter_rows():
            rows.append([value(c.value) for c in row])
            fmts.append([c.number_format for c in row])
        out["sheets"].append({
            "name": ws.title,
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "rows": rows,
            "formats": fmts,
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
