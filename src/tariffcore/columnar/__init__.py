"""The columnar backend: bills by columns of scaled integers, with numpy and pyarrow (the
optional ``tariffcore[fast]``).

Importing this stage needs both; the batch engine (:mod:`tariffcore.batch`) imports it only
when the fast backend is asked for, and the core works without it. What it holds:

- exact decimal columns over ``int64`` with overflow guards, the operations charge kernels are
  handed (:class:`DecimalColumn`, :class:`Ops`);
- the declared rounding as integer division, amounts in minor units, figures as text
  (:func:`minor_units`, :func:`money_texts`, :func:`decimal_texts`);
- CSV text read in blocks of columns, usages and meter reads validated as columns
  (:func:`csv_blocks`, :class:`Layout`);
- a kind of account's bills computed by its charges' kernels (:class:`KindPlan`), and the lean
  JSON lines of a block written from columns (:func:`lean_block`), or its rows of a CSV of
  bills (:func:`csv_block`).
"""

from __future__ import annotations

from .amounts import decimal_texts, minor_units, money_texts, round_steps
from .arrays import booleans, bools, ints, numbers, strings, text
from .column import INT64_MAX, DecimalColumn, Ops, scaled
from .csvread import Block, Usage, csv_blocks, read_header, read_usage
from .csvrows import CsvTemplates, csv_block, csv_template
from .jsonlines import Billed, KindBills, KindPlans, Window, bill_kinds, lean_block
from .kinds import Layout, RowFigures, group_kinds, read_figures
from .parquet import BlockColumns
from .plan import Computed, KindBill, KindPlan, Texts

__all__ = [
    "INT64_MAX",
    "Billed",
    "Block",
    "BlockColumns",
    "Computed",
    "CsvTemplates",
    "DecimalColumn",
    "KindBill",
    "KindPlan",
    "KindBills",
    "KindPlans",
    "Layout",
    "Ops",
    "RowFigures",
    "Texts",
    "Usage",
    "Window",
    "bill_kinds",
    "booleans",
    "bools",
    "csv_block",
    "csv_blocks",
    "csv_template",
    "decimal_texts",
    "group_kinds",
    "ints",
    "lean_block",
    "minor_units",
    "money_texts",
    "numbers",
    "read_figures",
    "read_header",
    "read_usage",
    "round_steps",
    "strings",
    "scaled",
    "text",
]
