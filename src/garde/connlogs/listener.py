"""A syslog listener: connection events over UDP and TCP, parsed and handed to a sink in batches.

UDP carries one message per datagram (RFC 5426). TCP carries a stream framed as RFC 6587 says:
octet counting (§3.4.1, ``MSG-LEN SP SYSLOG-MSG``) or a line feed after each message (§3.4.2,
"non-transparent framing"); the framing is detected once per connection from its first bytes
(digits then a space: octet counting). Messages are RFC 5424 or RFC 3164, read by
``garde.connlogs.parsers.parse_syslog``. A message longer than :data:`MAX_MESSAGE` octets, a
frame that breaks the framing, or a message the parser refuses becomes a :class:`LineRejected`
in the batch, never an error of the server; a connection whose framing is lost is closed.

One thread (started here) owns the sockets, parses and numbers the messages from 1; the thread
that called :func:`serve` batches them and calls the sink, so the sink runs where the caller's
resources (a database connection) live. The receiving thread waits while the sink is slow, which
pushes back on TCP senders through their socket buffers. A sink that raises is retried with
backoff until it succeeds or ``stop`` is set: what it had not committed is then dropped and
logged (syslog has no acknowledgement to withhold).

TCP senders are bounded: at most ``max_connections`` are open at once (one more is accepted and
closed at once, with a warning, so the sender sees the refusal and retries later rather than
waiting in the backlog), and a connection silent for ``idle_seconds`` is closed, its unfinished
frame reported as rejected like any connection that ends mid-frame. Without these, a sender that
opens connections and never writes would hold one descriptor each until the process runs out.
"""

from __future__ import annotations

import logging
import queue
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from garde.connlogs.parsers import LineRejected, ParsedLine, parse_one, parse_syslog

logger = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024  # octets: a longer message is rejected
_RECV_SIZE = 256 * 1024
_UDP_BUFFER = 4 * 1024 * 1024  # the kernel's receive buffer, asked for (it may grant less)
_POLL_SECONDS = 0.1  # how soon the receiving thread notices ``stop``
_MAX_LENGTH_DIGITS = len(str(MAX_MESSAGE)) + 4  # tolerated before the space of an octet count
_QUEUED_CHUNKS = 256  # chunks of messages between the threads before the receiver waits
_MAX_BACKOFF_SECONDS = 10.0
MAX_CONNECTIONS = 256  # open TCP connections at once
IDLE_SECONDS = 300.0  # a TCP connection silent this long is closed

Item = tuple[int, ParsedLine | LineRejected]
Sink = Callable[[list[Item]], None]
Address = tuple[str, int]


@dataclass(frozen=True)
class Bound:
    """The addresses actually listened on (port 0 asks the system for a free port)."""

    udp: Address | None
    tcp: Address | None


def serve(
    *,
    udp: Address | None,
    tcp: Address | None,
    sink: Sink,
    stop: threading.Event,
    batch_size: int = 1000,
    flush_seconds: float = 0.5,
    on_bound: Callable[[Bound], None] | None = None,
    max_connections: int = MAX_CONNECTIONS,
    idle_seconds: float = IDLE_SECONDS,
) -> None:
    """Listen for syslog on ``udp`` and/or ``tcp`` (host, port) until ``stop`` is set, calling
    ``sink`` with batches of at most ``batch_size`` numbered results, at the latest
    ``flush_seconds`` after the first result of a batch arrived. ``on_bound`` hears the bound
    addresses before the first message. ``max_connections`` and ``idle_seconds`` bound the TCP
    senders (module docstring). Binding errors (OSError) are raised; nothing that
    arrives afterwards is. Returns once every message received has been handed to the sink."""
    if udp is None and tcp is None:
        raise ValueError("nothing to listen on: give udp, tcp or both")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if max_connections < 1:
        raise ValueError("max_connections must be at least 1")
    if idle_seconds <= 0:
        raise ValueError("idle_seconds must be positive")
    receiver = _Receiver(
        udp=udp, tcp=tcp, max_connections=max_connections, idle_seconds=idle_seconds
    )
    try:
        if on_bound is not None:
            on_bound(receiver.bound)
        thread = threading.Thread(
            target=receiver.run, args=(stop,), name="garde-connlogs-syslog", daemon=True
        )
        thread.start()
        try:
            _deliver_batches(receiver, thread, sink, stop, batch_size, flush_seconds)
        finally:
            receiver.halt.set()
            thread.join()
    finally:
        receiver.close()
    if receiver.failure is not None:
        raise RuntimeError("the syslog receiver stopped on an error") from receiver.failure


def _deliver_batches(
    receiver: _Receiver,
    thread: threading.Thread,
    sink: Sink,
    stop: threading.Event,
    batch_size: int,
    flush_seconds: float,
) -> None:
    batch: list[Item] = []
    deadline = 0.0
    while True:
        wait = _POLL_SECONDS
        if batch:
            wait = max(0.0, min(wait, deadline - time.monotonic()))
        try:
            chunk: list[Item] | None = receiver.chunks.get(timeout=wait)
        except queue.Empty:
            chunk = None
        if chunk:
            if not batch:
                deadline = time.monotonic() + flush_seconds
            batch.extend(chunk)
            while len(batch) >= batch_size:
                _deliver(sink, batch[:batch_size], stop)
                del batch[:batch_size]
                deadline = time.monotonic() + flush_seconds
        if batch and time.monotonic() >= deadline:
            _deliver(sink, batch, stop)
            batch = []
        # The receiver puts nothing once it has ended, so an empty queue then is final.
        if chunk is None and not thread.is_alive() and receiver.chunks.empty():
            break
    if batch:
        _deliver(sink, batch, stop)


def _deliver(sink: Sink, batch: list[Item], stop: threading.Event) -> None:
    delay = 0.5
    while True:
        try:
            sink(batch)
        except Exception:
            logger.exception("the connection-log sink failed on %d messages", len(batch))
        else:
            return
        if stop.is_set():
            logger.error("stopping: %d syslog messages were not stored", len(batch))
            return
        stop.wait(delay)
        delay = min(delay * 2, _MAX_BACKOFF_SECONDS)


def _decode(frame: bytes) -> str:
    """The message as text: UTF-8, or, for the odd legacy sender, with each byte that is not
    UTF-8 written ``\\xNN`` so that ``raw`` still shows what arrived."""
    try:
        text = frame.decode("utf-8")
    except UnicodeDecodeError:
        text = frame.decode("utf-8", "backslashreplace")
    return text.rstrip("\r\n\x00")


class _Receiver:
    """The sockets, their framing, and the numbering; runs in its own thread."""

    def __init__(
        self,
        *,
        udp: Address | None,
        tcp: Address | None,
        max_connections: int = MAX_CONNECTIONS,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.max_connections = max_connections
        self.idle_seconds = idle_seconds
        self.next_idle_check = time.monotonic()
        self.chunks: queue.Queue[list[Item]] = queue.Queue(maxsize=_QUEUED_CHUNKS)
        self.halt = threading.Event()
        self.failure: BaseException | None = None
        self.number = 0
        self.selector = selectors.DefaultSelector()
        self.udp_socket: socket.socket | None = None
        self.tcp_socket: socket.socket | None = None
        self.streams: dict[socket.socket, _Stream] = {}
        try:
            if udp is not None:
                self.udp_socket = _bind(udp, socket.SOCK_DGRAM)
                self.selector.register(self.udp_socket, selectors.EVENT_READ)
            if tcp is not None:
                self.tcp_socket = _bind(tcp, socket.SOCK_STREAM)
                self.tcp_socket.listen(128)
                self.selector.register(self.tcp_socket, selectors.EVENT_READ)
        except BaseException:
            self.close()
            raise
        self.bound = Bound(
            udp=_address(self.udp_socket) if self.udp_socket else None,
            tcp=_address(self.tcp_socket) if self.tcp_socket else None,
        )

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set() and not self.halt.is_set():
                self._poll(_POLL_SECONDS, accept=True)
                self._close_idle()
            if not self.halt.is_set():
                # What already waits in the sockets' buffers is read before stopping.
                self._poll(0, accept=False)
        except BaseException as error:  # the server must not die silently
            logger.exception("the syslog receiver failed")
            self.failure = error

    def _poll(self, timeout: float, *, accept: bool) -> None:
        for key, _events in self.selector.select(timeout=timeout):
            sock = cast(socket.socket, key.fileobj)  # only sockets are registered
            if sock is self.udp_socket:
                self._read_datagrams(sock)
            elif sock is self.tcp_socket:
                if accept:
                    self._accept(sock)
            elif sock in self.streams:
                self._read_stream(sock)

    def close(self) -> None:
        for sock in [*self.streams, self.udp_socket, self.tcp_socket]:
            if sock is not None:
                sock.close()
        self.streams.clear()
        self.selector.close()

    # --- reading ---------------------------------------------------------------------------

    def _read_datagrams(self, sock: socket.socket) -> None:
        messages: list[bytes | str] = []
        for _ in range(1000):  # then let TCP connections have a turn
            try:
                data, peer = sock.recvfrom(MAX_MESSAGE + 1)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                logger.warning("UDP receive failed", exc_info=True)
                break
            if len(data) > MAX_MESSAGE:
                messages.append(f"udp from {_peer(peer)}: {_too_long()}")
            else:
                messages.append(data)
        self._publish(messages)

    def _accept(self, listener: socket.socket) -> None:
        try:
            conn, peer = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            logger.warning("TCP accept failed", exc_info=True)
            return
        if len(self.streams) >= self.max_connections:
            logger.warning(
                "refused a syslog TCP connection from %s: %d connections are open already",
                _peer(peer),
                len(self.streams),
            )
            conn.close()
            return
        conn.setblocking(False)
        self.streams[conn] = _Stream(_peer(peer))
        self.selector.register(conn, selectors.EVENT_READ)

    def _close_idle(self) -> None:
        """Close the TCP connections silent for ``idle_seconds`` (checked about once a second);
        an unfinished frame of theirs is reported as rejected."""
        now = time.monotonic()
        if now < self.next_idle_check:
            return
        self.next_idle_check = now + min(1.0, self.idle_seconds / 2)
        idle = [
            conn
            for conn, stream in self.streams.items()
            if now - stream.last_active >= self.idle_seconds
        ]
        for conn in idle:
            stream = self.streams.pop(conn)
            logger.info("closing an idle syslog TCP connection from %s", stream.peer)
            self.selector.unregister(conn)
            conn.close()
            self._publish(stream.finish())

    def _read_stream(self, conn: socket.socket) -> None:
        stream = self.streams[conn]
        try:
            data = conn.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""  # reset by the peer: what was complete is kept, the rest is reported
        stream.last_active = time.monotonic()
        messages = stream.feed(data) if data else stream.finish()
        self._publish(messages)
        if not data or stream.broken:
            self.selector.unregister(conn)
            del self.streams[conn]
            conn.close()

    def _publish(self, messages: list[bytes | str]) -> None:
        """Number and parse ``messages`` (frames, or the reason a frame was refused) and queue
        them for the sink, waiting while the queue is full."""
        chunk: list[Item] = []
        for message in messages:
            if isinstance(message, str):
                self.number += 1
                chunk.append((self.number, LineRejected(message)))
                continue
            text = _decode(message)
            if not text or text.isspace():
                continue
            self.number += 1
            chunk.append((self.number, parse_one(parse_syslog, text)))
        while chunk:
            try:
                self.chunks.put(chunk, timeout=_POLL_SECONDS)
            except queue.Full:
                if self.halt.is_set():
                    logger.error("stopping: %d syslog messages were not stored", len(chunk))
                    return
            else:
                return


class _Stream:
    """RFC 6587 framing of one TCP connection."""

    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.buffer = bytearray()
        self.octet_counting: bool | None = None  # None until the first bytes tell
        self.skip = 0  # octets left of a refused octet-counted frame
        self.discarding = False  # inside a refused line-feed frame
        self.broken = False
        self.last_active = time.monotonic()

    def feed(self, data: bytes) -> list[bytes | str]:
        self.buffer += data
        if self.octet_counting is None:
            self.octet_counting = self._detect()
            if self.octet_counting is None:
                return []
        if self.octet_counting:
            return self._octet_frames()
        return self._line_frames()

    def finish(self) -> list[bytes | str]:
        """The end of the stream: a last line without its line feed is a message; a partial
        octet-counted frame is refused."""
        if self.octet_counting is None and self.buffer:
            self.octet_counting = False
        out: list[bytes | str] = []
        if self.octet_counting:
            if self.buffer or self.skip:
                out.append(f"{self._origin()}: connection closed inside a frame")
        elif self.buffer and not self.discarding:
            self.buffer += b"\n"
            out = self._line_frames()
        self.buffer.clear()
        return out

    def _origin(self) -> str:
        return f"tcp from {self.peer}"

    def _detect(self) -> bool | None:
        """Octet counting if the stream opens with digits and a space; line feeds otherwise
        (a syslog message opens with ``<``). None: not enough bytes yet to tell."""
        buffer = self.buffer
        if not buffer[:1].isdigit():
            return False
        digits = 0
        while digits < len(buffer) and buffer[digits : digits + 1].isdigit():
            digits += 1
        if digits == len(buffer):
            return None if digits <= _MAX_LENGTH_DIGITS else False
        return buffer[digits : digits + 1] == b" " and digits <= _MAX_LENGTH_DIGITS

    def _octet_frames(self) -> list[bytes | str]:
        out: list[bytes | str] = []
        buffer = self.buffer
        position, size = 0, len(buffer)
        while True:
            if self.skip:
                taken = min(self.skip, size - position)
                position += taken
                self.skip -= taken
                if self.skip:
                    break
            if position >= size:
                break
            space = buffer.find(b" ", position, position + _MAX_LENGTH_DIGITS + 1)
            if space == -1:
                if size - position > _MAX_LENGTH_DIGITS or not buffer[position:size].isdigit():
                    self._break(out, "no octet count")
                break
            count = buffer[position:space]
            if not count.isdigit() or count[:1] == b"0":
                self._break(out, "no octet count")
                break
            length = int(count)
            if length > MAX_MESSAGE:
                out.append(f"{self._origin()}: {_too_long(length)}")
                self.skip = length
                position = space + 1
                continue
            end = space + 1 + length
            if end > size:
                break
            out.append(bytes(buffer[space + 1 : end]))
            position = end
        del buffer[:position]
        return out

    def _line_frames(self) -> list[bytes | str]:
        out: list[bytes | str] = []
        buffer = self.buffer
        position = 0
        while True:
            newline = buffer.find(b"\n", position)
            if newline == -1:
                # One octet more than the limit for the carriage return of a CR LF ending.
                if len(buffer) - position > MAX_MESSAGE + 1:
                    if not self.discarding:
                        out.append(f"{self._origin()}: {_too_long()}")
                        self.discarding = True
                    position = len(buffer)
                break
            frame = buffer[position:newline]
            position = newline + 1
            if self.discarding:
                self.discarding = False
                continue
            if frame.endswith(b"\r"):
                frame = frame[:-1]
            if len(frame) > MAX_MESSAGE:
                out.append(f"{self._origin()}: {_too_long(len(frame))}")
            elif frame:
                out.append(bytes(frame))
        del buffer[:position]
        return out

    def _break(self, out: list[bytes | str], why: str) -> None:
        out.append(f"{self._origin()}: octet-counting framing lost ({why}); connection closed")
        self.broken = True
        self.buffer.clear()


def _too_long(length: int | None = None) -> str:
    size = f"{length} octets" if length is not None else "more octets"
    return f"message of {size} exceeds the {MAX_MESSAGE}-octet limit"


def _bind(address: Address, kind: socket.SocketKind) -> socket.socket:
    host, port = address
    family, _, _, _, sockaddr = socket.getaddrinfo(
        host or None, port, type=kind, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind)
    try:
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        else:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _UDP_BUFFER)
            except OSError:
                logger.info("could not enlarge the UDP receive buffer", exc_info=True)
        sock.bind(sockaddr)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _address(sock: socket.socket) -> Address:
    name = sock.getsockname()
    return str(name[0]), int(name[1])


def _peer(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = str(peer[0])
        return f"[{host}]:{peer[1]}" if ":" in host else f"{host}:{peer[1]}"
    return str(peer)
