"""Message pages: ``staff`` for the care team, ``family`` for the portal."""

from . import family, staff

__all__ = ["family", "staff"]
