"""Checkers for the exercises of chapter 3 (sequences); filled in by that section."""
__all__ = []
