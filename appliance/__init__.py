"""Prilavok: the shop's rules, settings, CLI and runtime."""

__version__ = "0.1.0"
