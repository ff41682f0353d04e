"""Errors raised while reading an exchange file.

A rejected file is rejected as a whole; the message is Russian (a manager reads it on the
exchange log page) and names where in the file the problem is.
"""


class ExchangeFileError(Exception):
    """A file (or one of its lines/elements) that cannot be imported."""

    def __init__(self, message_ru: str, line: int | None = None, where: str = ""):
        self.message_ru = message_ru
        self.line = line
        self.where = where
        super().__init__(self.describe())

    def describe(self, filename: str = "") -> str:
        parts = []
        if filename:
            parts.append(f"Файл {filename}")
        if self.line:
            parts.append(f"строка {self.line}")
        if self.where:
            parts.append(self.where)
        prefix = ", ".join(parts)
        return f"{prefix}: {self.message_ru}" if prefix else self.message_ru
