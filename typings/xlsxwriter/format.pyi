class Format:
    """A cell format made by ``Workbook.add_format``: opaque to the workbook code."""
