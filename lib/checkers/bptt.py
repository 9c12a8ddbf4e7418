"""Checkers for the exercises of chapter 3 (bptt); filled in by that section."""
__all__ = []
