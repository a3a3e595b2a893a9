"""The HTTP API: `create_app(settings)` (app.py), auth and scopes (auth.py), one router per area."""

from __future__ import annotations
