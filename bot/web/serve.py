"""Serve the demo clinic page and the built chat widget (standard library only).

    python -m bot.web.serve --port 8080 --rasa-url http://localhost:5005

Routes: ``/`` (the demo page, with the Rasa URL put into the widget's script tag),
``/dist/<file>`` (the bundle built by ``npm run build``) and ``/<file>`` for the
other files in ``static/``. Nothing else on disk is reachable.
"""

from __future__ import annotations

import argparse
import html
import mimetypes
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
DIST = HERE / "dist"
PLACEHOLDER = "__RASA_URL__"


def _check_rasa_url(rasa_url: str) -> str:
    """Empty (the widget then uses the page's host, port 5005) or an http(s) URL."""
    rasa_url = rasa_url.strip()
    if rasa_url:
        parts = urlsplit(rasa_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--rasa-url must be an http(s) URL, got {rasa_url!r}")
    return rasa_url


def _csp(rasa_url: str) -> str:
    """The page's Content-Security-Policy: scripts, styles and images only from this
    server (no inline script or style attribute anywhere on the page), connections only
    to this server and the Rasa server, over HTTP (socket.io polling) or WebSocket.

    The widget styles its shadow DOM with a constructed stylesheet, which style-src does
    not govern, so no 'unsafe-inline' is needed.
    """
    if rasa_url:
        parts = urlsplit(rasa_url)
        ws = "wss" if parts.scheme == "https" else "ws"
        rasa = f"{parts.scheme}://{parts.netloc} {ws}://{parts.netloc}"
    else:
        rasa = "http: https: ws: wss:"  # Rasa on the page's host, port unknown to the CSP here
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {rasa}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        "object-src 'none'"
    )


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    server_version = "MetastasisChatDemo"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path in ("/", "/index.html"):
            page = (STATIC / "index.html").read_text(encoding="utf-8")
            body = page.replace(PLACEHOLDER, html.escape(self.server.rasa_url, quote=True)).encode()
            return self._send(HTTPStatus.OK, "text/html; charset=utf-8", body, head)
        if path.startswith("/dist/"):
            folder, name = DIST, path[len("/dist/"):]
        else:
            folder, name = STATIC, path[1:]
        file = folder / name
        if not name or "/" in name or "\\" in name or name.startswith(".") or not file.is_file():
            if folder is DIST:
                msg = b"Widget not built: run `npm ci && npm run build` in the project root.\n"
                return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", msg, head)
            return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n", head)
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            ctype += "; charset=utf-8"
        self._send(HTTPStatus.OK, ctype, file.read_bytes(), head)

    def _send(self, status: HTTPStatus, ctype: str, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if ctype.startswith("text/html"):
            self.send_header("Content-Security-Policy", self.server.csp)
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    rasa_url: str
    csp: str


def make_server(host: str, port: int, rasa_url: str) -> ThreadingHTTPServer:
    """A page server bound to host:port whose widget talks to rasa_url (port 0 = any free port)."""
    server = _Server((host, port), _Handler)
    server.rasa_url = _check_rasa_url(rasa_url)
    server.csp = _csp(server.rasa_url)
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the demo page with the chat widget.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--rasa-url",
        default="",
        help="Rasa server the widget talks to (default: the page's own host name, port 5005)",
    )
    args = parser.parse_args(argv)
    if not (DIST / "widget.js").is_file():
        print("warning: bot/web/dist/widget.js is missing; run `npm ci && npm run build`")
    server = make_server(args.host, args.port, args.rasa_url)
    print(f"Demo page with the chat widget: http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
