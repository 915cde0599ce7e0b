"""FastAPI adapter for portable-endpoints."""
