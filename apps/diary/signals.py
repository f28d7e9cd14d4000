"""Signals the diary sends for the apps above it (the watch), which it may not import.

``diary_entry_saved`` is sent inside the transaction that writes an entry (kwargs: ``entry``, ``actor``,
``before``: the entry's fields as they were before this save, or None for a new entry). A receiver's
writes (a watch opened, an urgent task) land or roll back with the entry.
"""

from django.dispatch import Signal

diary_entry_saved = Signal()
