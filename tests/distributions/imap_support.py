"""A tiny IMAP server on loopback for the bounce-mailbox tests.

The mail provider's IMAP server is an edge Canvass does not own: this speaks just
the part of IMAP4rev1 that distributions.bounces.mailbox uses (LOGIN, SELECT, UID
SEARCH UNSEEN, UID FETCH BODY.PEEK[], UID STORE +FLAGS, EXPUNGE, LOGOUT) over a
real socket, so imaplib runs unchanged against it.
"""

import re
import shlex
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    user: str = "bounces"
    password: str = "secret word"
    # uid → [raw bytes, set of flags]
    messages: dict[int, list] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, raw: bytes) -> int:
        with self.lock:
            uid = max(self.messages, default=0) + 1
            self.messages[uid] = [raw, set()]
            return uid


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        box: Mailbox = self.server.mailbox
        self.wfile.write(b"* OK IMAP4rev1 fake ready\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().strip().partition(" ")
            box.commands.append(rest.split(" ")[0].upper())
            reply = self._answer(box, rest)
            self.wfile.write(reply + f"{tag} OK done\r\n".encode())
            if rest.upper().startswith("LOGOUT"):
                return

    def _answer(self, box: Mailbox, rest: str) -> bytes:
        words = shlex.split(rest)
        command = words[0].upper()
        if command == "CAPABILITY":
            return b"* CAPABILITY IMAP4rev1\r\n"
        if command == "LOGIN":
            if words[1:3] != [box.user, box.password]:
                raise ConnectionAbortedError("bad login")
            return b""
        if command == "SELECT":
            return f"* {len(box.messages)} EXISTS\r\n* FLAGS (\\Seen \\Deleted)\r\n".encode()
        if command == "EXPUNGE":
            with box.lock:
                for uid in [
                    u for u, (_, f) in box.messages.items() if "\\Deleted" in f
                ]:
                    del box.messages[uid]
            return b""
        if command == "LOGOUT":
            return b"* BYE\r\n"
        if command == "UID":
            return self._uid(box, words[1].upper(), words[2:], rest)
        return b""

    def _uid(self, box: Mailbox, what: str, args: list[str], rest: str) -> bytes:
        with box.lock:
            if what == "SEARCH":
                uids = [
                    str(u) for u, (_, f) in box.messages.items() if "\\Seen" not in f
                ]
                return f"* SEARCH {' '.join(uids)}\r\n".encode()
            uid = int(args[0])
            raw, flags = box.messages[uid]
            if what == "FETCH":
                return (
                    f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode()
                    + raw
                    + b")\r\n"
                )
            if what == "STORE":
                # From the raw line: shlex reads the flags' backslashes as escapes.
                flags.update(re.findall(r"\\\w+", rest))
                return f"* {uid} FETCH (FLAGS ({' '.join(sorted(flags))}))\r\n".encode()
        return b""


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_imap_server(mailbox: Mailbox) -> tuple[_Server, int]:
    """Serve `mailbox` on a free loopback port; return (server, port)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.mailbox = mailbox
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]
