"""Numbered schema migrations (peewee's playhouse.migrations runner: NNNN_name.py with up())."""
