"""Tasks that run after the response has been sent, on every host."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from portable_endpoints._concurrency import run_in_threadpool


class BackgroundTask:
    """``func(*args, **kwargs)``, run after the response has been sent; a sync ``func`` runs in a worker thread."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = inspect.iscoroutinefunction(func)

    async def __call__(self) -> None:
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            await run_in_threadpool(self.func, *self.args, **self.kwargs)


class BackgroundTasks(BackgroundTask):
    """Several background tasks, run in the order they were added."""

    def __init__(self, tasks: list[BackgroundTask] | None = None):
        self.tasks = list(tasks) if tasks else []

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Add ``func(*args, **kwargs)`` to run after the response."""
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            await task()
