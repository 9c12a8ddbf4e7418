"""Checkers for the exercises of chapter vanishing; filled in by that chapter."""
__all__ = []
