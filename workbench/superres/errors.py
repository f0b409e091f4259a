"""The one error type the super-resolution tools raise for problems a user can cause."""

from __future__ import annotations


class SuperResolutionError(ValueError):
    """A user-caused problem (not an SR run, no checkpoint, unreadable image, models of different scales...).

    A ValueError so callers that already catch bad input keep working; the message is written to be shown as is.
    """
