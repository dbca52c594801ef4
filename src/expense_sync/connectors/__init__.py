"""Connectors: one package per accounting platform, all behind ``connectors.base``."""
