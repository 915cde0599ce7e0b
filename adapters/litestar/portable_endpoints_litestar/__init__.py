"""Litestar adapter for portable-endpoints."""
