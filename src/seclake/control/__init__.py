"""The control database (`<data_dir>/control.sqlite`): API tokens and Defender connections.

`db` opens it (WAL, one connection per operation, safe across processes); `tokens` creates, lists,
revokes and checks tokens; `scopes` names the scopes routes require.
"""

from __future__ import annotations
