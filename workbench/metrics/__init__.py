"""Quality metrics on plain arrays of features."""
