"""The Bridge tab: why a metric differs between two states of a model (docs/bridge.md).

``page`` holds the choices (metric, from and to states, a file to compare with) and runs
``model.risk.bridge``; ``waterfall`` draws its contributions; ``changes`` lays out the semantic
diff for review, one change per row, each accepted (one undo step) or rejected (hidden).
"""

from __future__ import annotations

from ui.bridge.page import BridgePage

__all__ = ["BridgePage"]
