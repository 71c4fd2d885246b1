#!/usr/bin/env python3
"""A hostile remote cache on 127.0.0.1, for scripts/hostile-remote-test.sh.

The first path segment picks the misbehaviour (http://127.0.0.1:PORT/MODE/ac/KEY):
  headers   a 200 status line, then header lines without end
  huge      every run record names a 1 GiB object (out/a.bin); the object is
            1 GiB of zeros (Content-Length: 1073741824), which is not it
  chunk     a chunked body whose first chunk size is 7fffffffffffffff,
            followed by 4 MiB
  slow      a response sent one byte per second
  drip      headers at once, then a body at 20 bytes a second (not idle:
            only the overall deadline ends it)
  info      a working cache (PUT stores, GET/HEAD answer) that sends
            100 Continue and 102 Processing before every real response
  storm     HTTP 500 to everything
Usage: hostile-remote-server.py PORT
"""
import socket
import sys
import threading
import time

store = {}
lock = threading.Lock()


def read_request(f):
    line = f.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = b""
    n = int(headers.get("content-length", "0") or 0)
    if n:
        body = f.read(n)
    return method, path, headers, body


def respond(c, status, body=b"", extra=""):
    reason = {200: "OK", 201: "Created", 404: "Not Found", 500: "Internal Server Error"}.get(status, "X")
    c.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body)


def serve(c):
    f = c.makefile("rb")
    try:
        while True:
            req = read_request(f)
            if req is None:
                return
            method, path, headers, body = req
            if "authorization" in headers:
                print(f"credentials received: {method} {path}", flush=True)
            parts = path.lstrip("/").split("/")
            mode, rest = parts[0], "/".join(parts[1:])
            if mode == "headers":
                c.sendall(b"HTTP/1.1 200 OK\r\n")
                line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
                while True:
                    c.sendall(line * 64)
            elif mode == "huge":
                size = 1 << 30
                if rest.startswith("ac/") and method == "GET":
                    respond(c, 200, f"repro-run-record v1\n{'ab' * 32} {size} out/a.bin\n".encode())
                elif rest.startswith("cas/") and method == "GET":
                    c.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
                    zeros = b"\0" * (1 << 20)
                    for _ in range(size >> 20):
                        c.sendall(zeros)
                else:
                    respond(c, 404)
            elif mode == "chunk":
                c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\n")
                for _ in range(4):  # more than any run record may be
                    c.sendall(b"x" * (1 << 20))
                time.sleep(30)
                return
            elif mode in ("slow", "drip"):
                head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
                if mode == "drip":
                    c.sendall(head)
                    head = b""
                for b in head + b"y" * 100000:
                    c.sendall(bytes([b]))
                    time.sleep(1 if mode == "slow" else 0.05)
                return
            elif mode == "info":
                c.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n")
                with lock:
                    if method == "PUT":
                        store[rest] = body
                        respond(c, 201)
                    elif rest in store and method == "HEAD":
                        c.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(store[rest])}\r\n\r\n".encode())
                    elif rest in store:
                        respond(c, 200, store[rest])
                    else:
                        respond(c, 404)
            else:  # storm
                respond(c, 500, b"storm")
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        c.close()


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


main()
