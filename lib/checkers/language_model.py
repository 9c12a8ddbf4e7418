"""Checkers for the exercises of chapter 3 (language_model); filled in by that section."""
__all__ = []
