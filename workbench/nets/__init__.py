"""Network building blocks and architectures (torch)."""
