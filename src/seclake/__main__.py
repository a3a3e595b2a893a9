from __future__ import annotations

from seclake.cli import main

main()
