"""Running the service: uvicorn with one or more worker processes.

Job state and rate-limit counts live in the store, so any worker answers any request. With
several workers the database is migrated once here, before they start (they would otherwise race
to migrate a new database), and each worker builds the app from the environment: the settings
given on the command line are handed down as ``SYNTHSCOPE_*`` variables.
"""

from __future__ import annotations

import os

from synthscope.config import Settings
from synthscope.errors import UsageError

MAX_WORKERS = 64


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the app on ``host``:``port`` with ``workers`` processes until interrupted.

    Raises:
        UsageError: the port or the number of workers is out of range.
        StorageError: the database cannot be opened or migrated.
    """
    import uvicorn

    from synthscope.service.app import create_app
    from synthscope.store import Store

    if not 0 < port < 65536:
        raise UsageError(f"--port must be 1-65535, not {port}.", zh="--port 必须在 1-65535 之间。")
    if not 0 < workers <= MAX_WORKERS:
        raise UsageError(
            f"--workers must be 1-{MAX_WORKERS}, not {workers}.",
            zh=f"--workers 必须在 1-{MAX_WORKERS} 之间。",
        )
    level = settings.log_level.lower()
    # Access lines are logged at INFO: below that level, skip building them at all.
    access_log = level in ("debug", "info")
    if workers == 1:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level=level,
            access_log=access_log,
            workers=1,
        )
        return
    Store.open(settings.database_url).close()  # migrate once, before the workers start
    os.environ["SYNTHSCOPE_DATABASE_URL"] = settings.database_url
    os.environ["SYNTHSCOPE_LANG"] = settings.lang
    uvicorn.run(
        "synthscope.service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        log_level=level,
        access_log=access_log,
        workers=workers,
    )
