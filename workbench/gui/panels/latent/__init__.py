"""The Latent panel's parts: the session (loaded space and pinned codes) and one widget per tool."""
