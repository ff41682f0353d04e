"""Supplier integration: adapters (ABCP-like API, price lists), HTTP policy, link status.

Use ``registry.get(code)`` / ``registry.all_suppliers()``; adapters expose ``search``,
``place_order`` and ``line_status`` (see ``base.SupplierAdapter``).
"""
