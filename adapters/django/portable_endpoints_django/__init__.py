"""Django (HTTP) and Channels (WebSocket) adapter for portable-endpoints."""
