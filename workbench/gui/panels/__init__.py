"""One panel per file; each can be opened alone for a preview."""
