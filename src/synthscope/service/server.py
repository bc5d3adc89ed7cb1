"""Running the service: uvicorn on one process (jobs and rate limits live in it)."""

from __future__ import annotations

from synthscope.config import Settings
from synthscope.errors import UsageError


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the app on ``host``:``port`` until interrupted.

    Raises:
        UsageError: the port is out of range.
        StorageError: the database cannot be opened or migrated.
    """
    import uvicorn

    from synthscope.service.app import create_app

    if not 0 < port < 65536:
        raise UsageError(f"--port must be 1-65535, not {port}.", zh="--port 必须在 1-65535 之间。")
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), workers=1)
