"""The built-in ``asgi`` adapter: portable routes as a plain ASGI application, no framework."""
