"""Accounting exchange with 1C: CommerceML and CSV parsing, imports, the site exchange protocol.

Parsers (``commerceml``, ``csv_import``) are pure: they read a file and yield plain
dataclasses. ``importer`` writes them to the database, one transaction per file, through
the loaders (``catalog_loader``: catalog, offers, stock; ``documents_loader``: sales and
receipts); ``originals`` keeps the files, ``progress`` tells how far an import is,
``unmatched`` handles sales whose buyer is no customer yet.
"""
