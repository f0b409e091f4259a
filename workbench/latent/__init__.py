"""Latent-space operations."""
