"""Starlette adapter for portable-endpoints."""
