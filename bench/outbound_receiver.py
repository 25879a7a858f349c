#!/usr/bin/env python3
"""Loopback webhook receivers for bench/outbound (Python 3, standard library only).

    outbound_receiver.py --ports 101 --hang 1 --ports-file F --secrets F --log F

Listens on `--ports` kernel-chosen ports of 127.0.0.1 (written one a line to --ports-file,
in order, once all listen). The first `--hang` of them accept connections and never answer
(nor read). The others read HTTP/1.1 requests (keep-alive unless the client asks to close) on one
thread with a selector, answer 204 at once, and append one JSON line per request to --log:

    {"port", "path", "t" (time.time() at the end of the body), "id", "type", "verified",
     "seq_to", "count", "complete", "bytes"}

`verified` is whether the webhook-signature header holds a v1 entry equal to
base64(HMAC-SHA256(base64decode(secret after "whsec_"), id + "." + timestamp + "." + body))
for the secret that --secrets gives for (port, path): lines "port path secret", re-read when
a (port, path) is not known yet. Every request with the three headers pays for the HMAC,
whether a secret is known or not (the curl baseline sends a signature of the same length).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import selectors
import socket
import sys
import threading
import time

secrets = {}
secrets_lock = threading.Lock()
log_lock = threading.Lock()
hung = []  # sockets of the hanging ports, kept open


def secret_for(args, port, path):
    key = (port, path)
    with secrets_lock:
        if key not in secrets and os.path.exists(args.secrets):
            with open(args.secrets) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3 and parts[2].startswith("whsec_"):
                        secrets[(int(parts[0]), parts[1])] = base64.b64decode(parts[2][6:])
        return secrets.get(key)


def record(args, log, port, path, headers, body, t):
    msg_id = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    sig = headers.get("webhook-signature", "")
    verified = False
    if msg_id and ts and sig:
        key = secret_for(args, port, path) or b"\0" * 32
        mac = hmac.new(key, msg_id.encode() + b"." + ts.encode() + b"." + body,
                       hashlib.sha256).digest()
        expected = base64.b64encode(mac).decode()
        verified = secret_for(args, port, path) is not None and any(
            part.startswith("v1,") and hmac.compare_digest(part[3:], expected)
            for part in sig.split())
    entry = {"port": port, "path": path, "t": t, "id": msg_id, "verified": verified,
             "bytes": len(body)}
    if verified:
        try:
            payload = json.loads(body)
            entry["type"] = payload.get("type")
            data = payload.get("data") or {}
            if entry["type"] == "offer.changed":
                entry["seq_from"] = data.get("seq_from")
                entry["seq_to"] = data.get("seq_to")
                entry["count"] = data.get("count")
                entry["complete"] = data.get("complete")
                entry["listed"] = len(data.get("changes") or [])
        except ValueError:
            entry["type"] = "unparsable"
    line = json.dumps(entry) + "\n"
    with log_lock:
        log.write(line)
        log.flush()


class Connection:
    __slots__ = ("sock", "port", "buf")

    def __init__(self, sock, port):
        self.sock, self.port, self.buf = sock, port, b""


def handle_requests(args, log, c):
    """Answers every whole request in c.buf. False when the connection is to be closed."""
    while True:
        head_end = c.buf.find(b"\r\n\r\n")
        if head_end < 0:
            return True
        lines = c.buf[:head_end].decode("latin-1").split("\r\n")
        parts = lines[0].split()
        if len(parts) != 3:
            return False
        _, target, version = parts
        headers = {}
        for h in lines[1:]:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0") or 0)
        if len(c.buf) < head_end + 4 + n:
            return True
        body = c.buf[head_end + 4:head_end + 4 + n]
        c.buf = c.buf[head_end + 4 + n:]
        record(args, log, c.port, target.split("?", 1)[0], headers, body, time.time())
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        c.sock.sendall(b"HTTP/1.1 204 No Content\r\n" +
                       (b"Connection: close\r\n" if close else b"") + b"\r\n")
        if close:
            return False


def event_loop(args, log, listeners, hang):
    """One thread: every listener and connection, non-blocking (no thread per connection,
    which costs more than the request in Python)."""
    sel = selectors.DefaultSelector()
    for i, (s, port) in enumerate(listeners):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("listen", port, i < hang))
    while True:
        for key, _ in sel.select():
            kind = key.data[0]
            if kind == "listen":
                _, port, hanging = key.data
                while True:
                    try:
                        conn, _ = key.fileobj.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    if hanging:
                        hung.append(conn)  # accepted, never read, never answered
                        continue
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(conn, selectors.EVENT_READ, ("conn", Connection(conn, port)))
                continue
            c = key.data[1]
            try:
                data = c.sock.recv(262144)
                keep = bool(data)
                if data:
                    c.buf += data
                    keep = handle_requests(args, log, c)
            except OSError:
                keep = False
            if not keep:
                sel.unregister(c.sock)
                c.sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ports", type=int, required=True)
    p.add_argument("--hang", type=int, default=0)
    p.add_argument("--ports-file", required=True)
    p.add_argument("--secrets", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    log = open(args.log, "a")
    listeners = []
    for i in range(args.ports):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(256)
        listeners.append(s)
    ports = [s.getsockname()[1] for s in listeners]
    threading.Thread(target=event_loop, args=(args, log, list(zip(listeners, ports)), args.hang),
                     daemon=True).start()
    tmp = args.ports_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(map(str, ports)) + "\n")
    os.rename(tmp, args.ports_file)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
