"""Tables: dash-ag-grid builders and tables for print (their CSV downloads go through `data.safe_csv`, like the
command lines')."""
from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
from dash import html


def number_column(field: str, header: str, decimals: int = 0, suffix: str = "", width: int | None = None,
                  **extra) -> dict:
    """A right-aligned numeric ag-grid column formatted with d3 (thousands separators, fixed decimals)."""
    longest_word = max(map(len, header.split()), default=0)
    extra.setdefault("minWidth", max(80, 9 * longest_word + 56))  # room for the longest header word and icons
    column = {"field": field, "headerName": header, "type": "rightAligned", "filter": "agNumberColumnFilter",
              "valueFormatter": {"function": f"params.value == null ? '–' : d3.format(',.{decimals}f')(params.value)"
                                             + (f" + '{suffix}'" if suffix else "")}, **extra}
    if width:
        column["width"] = width
    return column


def table_frame(table_id: str) -> html.Div:
    """Where a map's Table view goes: empty until it is first shown, so that the grid's script (ag-grid's chunk)
    and its mounting are not on the first map's path (a grid in the page held Plotly's first draw back ~0.45 s).
    The callback showing it returns the grid as its children."""
    return html.Div(id=f"{table_id}-frame", className="map-table", hidden=True)


def grid(element_id: str, rows: list[dict], columns: list[dict], height: str = "420px",
         column_size: str | None = "responsiveSizeToFit", **options) -> dag.AgGrid:
    """A sortable, filterable grid, its columns sized to the container unless `column_size` is None (columns
    keep their widths and the grid scrolls sideways: for narrow containers, where fitting would squeeze
    headers into a letter per line)."""
    return dag.AgGrid(
        id=element_id, rowData=rows, columnDefs=columns, columnSize=column_size, className="atlas-grid",
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 70, "wrapHeaderText": True,
                       "autoHeaderHeight": True},
        dashGridOptions={"animateRows": False, "rowHeight": 30, "headerHeight": 34, "tooltipShowDelay": 300,
                         **options},
        style={"height": height, "width": "100%"})


def print_table(frame: pd.DataFrame, columns: dict[str, str], total: int, noun: str,
                element_id: str | None = None) -> html.Div:
    """A static table that only prints (a grid prints as a cut-off scroll box): whole rows, already formatted as
    text in `frame` (columns: field -> header), then 'and N more' when `total` exceeds the rows shown."""
    more = total - len(frame)
    body = [html.Tr([html.Td(row[field]) for field in columns]) for row in frame.to_dict("records")]
    return html.Div([html.Table([html.Thead(html.Tr([html.Th(header) for header in columns.values()])),
                                 html.Tbody(body)], className="print-table"),
                     html.Div(f"and {more:,} more {noun} (the CSV download has them all)" if more > 0 else "",
                              className="basis-footnote")],
                    className="print-only", **({"id": element_id} if element_id else {}))
