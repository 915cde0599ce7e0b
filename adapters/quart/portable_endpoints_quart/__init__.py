"""Quart adapter for portable-endpoints."""
