"""The one error type the latent explorer raises for problems a user can cause."""

from __future__ import annotations


class LatentError(ValueError):
    """A user-caused problem in the latent explorer (no checkpoint, no encoder, unreadable file...).

    A ValueError so callers that already catch bad input keep working; the message is shown as is.
    """
