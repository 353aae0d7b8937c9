"""Tables: dash-ag-grid builders (their CSV downloads go through `data.safe_csv`, like the command lines')."""
from __future__ import annotations

import dash_ag_grid as dag


def number_column(field: str, header: str, decimals: int = 0, suffix: str = "", width: int | None = None,
                  **extra) -> dict:
    """A right-aligned numeric ag-grid column formatted with d3 (thousands separators, fixed decimals)."""
    column = {"field": field, "headerName": header, "type": "rightAligned", "filter": "agNumberColumnFilter",
              "valueFormatter": {"function": f"params.value == null ? '–' : d3.format(',.{decimals}f')(params.value)"
                                             + (f" + '{suffix}'" if suffix else "")}, **extra}
    if width:
        column["width"] = width
    return column


def grid(element_id: str, rows: list[dict], columns: list[dict], height: str = "420px",
         column_size: str | None = "responsiveSizeToFit", **options) -> dag.AgGrid:
    """A sortable, filterable grid, its columns sized to the container unless `column_size` is None (columns
    keep their widths and the grid scrolls sideways: for narrow containers, where fitting would squeeze
    headers into a letter per line)."""
    return dag.AgGrid(
        id=element_id, rowData=rows, columnDefs=columns, columnSize=column_size,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 70, "wrapHeaderText": True,
                       "autoHeaderHeight": True},
        dashGridOptions={"animateRows": False, "rowHeight": 30, "headerHeight": 34, "tooltipShowDelay": 300,
                         **options},
        style={"height": height, "width": "100%"})
