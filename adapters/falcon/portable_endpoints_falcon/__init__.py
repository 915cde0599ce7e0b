"""Falcon adapter for portable-endpoints."""
