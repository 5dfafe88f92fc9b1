"""The documents people read: the month's report of a billing run and the customer's bill.

- :func:`run_report` / :class:`Report`: a billing run's totals by use class × charge, by meter
  size and by ruleset version, its bills and error rows, the reductions granted; written out
  by :func:`report_table`, :func:`report_csv`, :func:`report_json` and :func:`report_html`;
- :func:`render_notice`: one account's bill (고지서) as a printable A4 HTML page, in the
  ruleset's language; :func:`bill_records` and :func:`bill_from_dict` read bills back from
  the JSON lines of ``tariffcore bill``; :func:`read_history` reads usage history for it.

Their charts are :mod:`tariffcore.charts`'.

The modules behind this one are private.
"""

from ._history import History, read_history
from ._labels import language_of
from ._notice import render_notice
from ._runbills import bill_from_dict, bill_records
from ._runcounts import counted_rows
from ._runreport import Report, run_report
from ._runreport_views import CSV_COLUMNS, report_csv, report_html, report_json, report_table
from ._runrow import RunRow

__all__ = [
    "CSV_COLUMNS",
    "History",
    "Report",
    "RunRow",
    "bill_from_dict",
    "bill_records",
    "counted_rows",
    "language_of",
    "read_history",
    "render_notice",
    "report_csv",
    "report_html",
    "report_json",
    "report_table",
    "run_report",
]
