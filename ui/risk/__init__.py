"""The Risk tab: one module per page, the risk charts, and the helpers the pages share.

``panel.RiskPanel`` holds the pages; every number they show comes from ``model.risk``.
"""
