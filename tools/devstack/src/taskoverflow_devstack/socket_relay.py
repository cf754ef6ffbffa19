"""A unix-socket server reachable on a 127.0.0.1 TCP port, for containers: the embedded PostgreSQL
listens only on a socket inside its data folder (mode 0700, owned by its own system user), which
neither a container's filesystem nor its non-root user can reach; host networking makes the port
reachable from every container as it is from here."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

_CHUNK = 65536


class _Relay(socketserver.BaseRequestHandler):
    server: _RelayServer

    def handle(self) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            upstream.connect(self.server.unix_path)
            back = threading.Thread(target=_pump, args=(upstream, self.request), daemon=True)
            back.start()
            _pump(self.request, upstream)
            back.join()


class _RelayServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, unix_path: str) -> None:
        super().__init__(("127.0.0.1", 0), _Relay)
        self.unix_path = unix_path


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy until `source` ends, then tell `sink` no more is coming (its reader then ends too)."""
    with contextlib.suppress(OSError):
        while data := source.recv(_CHUNK):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def tcp_port_for(unix_path: str) -> Iterator[int]:
    """Yields a 127.0.0.1 port whose connections are relayed to the unix socket at `unix_path`."""
    server = _RelayServer(unix_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def postgres_url_over_tcp(url: str) -> Iterator[str]:
    """`url` itself when it names a TCP host; for a unix-socket URL (`...?host=/dir`), the same database
    through a relay on 127.0.0.1."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    socket_dir = (query.pop("host", [None])[0] or "") if not parts.hostname else ""
    if not socket_dir.startswith("/"):
        yield url
        return
    port = (query.pop("port", [None])[0]) or parts.port or 5432
    with tcp_port_for(f"{socket_dir}/.s.PGSQL.{port}") as tcp_port:
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{tcp_port}" if credentials else f"127.0.0.1:{tcp_port}"
        yield urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, doseq=True)))
