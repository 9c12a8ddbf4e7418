"""Checkers for the exercises of chapter gated; filled in by that chapter."""
__all__ = []
