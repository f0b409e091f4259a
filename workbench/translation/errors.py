"""The one error type the translation tools raise for problems a user can cause."""

from __future__ import annotations


class TranslationError(ValueError):
    """A user-caused problem (not a translation run, no checkpoint, unreadable image file, bad folder...).

    A ValueError so callers that already catch bad input keep working; the message is shown as is.
    """
