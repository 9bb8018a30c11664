"""The workbench's look: a light, dense, spreadsheet-like style."""

STYLE_SHEET = """
QMainWindow, QWidget { font-size: 9pt; }
#KpiStrip { background: #f4f5f7; border-bottom: 1px solid #d9dce1; }
#KpiTile { background: white; border: 1px solid #d9dce1; border-radius: 4px; }
#KpiTitle { color: #5b6270; font-size: 8pt; }
#KpiValue { color: #1d2330; font-size: 14pt; font-weight: 600; }
#KpiChange { color: #2c6fbb; font-size: 8pt; }
#WarningBanner { background: #fff4d6; border: 1px solid #e8c979; border-radius: 4px; padding: 4px 8px;
                 color: #5a4200; }
#CalibrationNote { background: #f6f3fc; border: 1px solid #d8cdee; border-radius: 4px; padding: 4px 6px; }
#InfoNote { color: #3a404c; padding: 2px 2px; }
#SectionLabel { color: #1d2330; font-weight: 600; padding: 2px 0; }
#LegendText { color: #5b6270; font-size: 8pt; }
#ChartCard { background: white; border: 1px solid #d9dce1; border-radius: 4px; }
#ChartCard:focus { border: 1px solid #2c6fbb; }
#ChartTitle { font-weight: 600; color: #1d2330; }
#ChartLegend { color: #30343b; font-size: 8pt; }
#ChartReadout { color: #5b6270; font-size: 8pt; }
#FlatButton { border: none; color: #2c6fbb; padding: 0 4px; }
QTableView { gridline-color: #e3e5e9; selection-background-color: #cfe0f7; selection-color: #1d2330; }
QHeaderView::section { background: #f4f5f7; border: none; border-right: 1px solid #e3e5e9;
                       border-bottom: 1px solid #d9dce1; padding: 2px 4px; color: #3a404c; }
QToolBar { spacing: 4px; }
"""
