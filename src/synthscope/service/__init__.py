"""The web service: public checking page, trends dashboard and the platform API (FastAPI)."""

from synthscope.service.app import create_app
from synthscope.service.server import serve

__all__ = ["create_app", "serve"]
