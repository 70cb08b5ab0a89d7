"""Small, documented fixes for pinned third-party packages (see docs/websocket.md)."""
