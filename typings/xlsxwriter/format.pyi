from typing import Any

class Format:
    """A cell format made by ``Workbook.add_format``: opaque to the workbook code."""
    def __init__(
        self, properties: dict[str, Any] | None = None, xf_indices: object = None, dxf_indices: object = None
    ) -> None: ...
