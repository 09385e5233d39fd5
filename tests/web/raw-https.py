#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sends raw bytes to webd over TLS and prints the HTTP status it gets.

Usage: raw-https.py PORT CAFILE < request
Prints the status code of the reply, or "closed" when webd closed the
connection without one (what it may do with garbage).  For requests a
normal client cannot send: broken request lines, headers and lengths.
"""
import socket
import ssl
import sys


def main():
    port, cafile = int(sys.argv[1]), sys.argv[2]
    data = sys.stdin.buffer.read()
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(('127.0.0.1', port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname='127.0.0.1') as s:
            try:
                s.sendall(data)
            except OSError:
                pass
            reply = b''
            try:
                while len(reply) < 65536:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
                    if b'\r\n\r\n' in reply:
                        break
            except (OSError, ssl.SSLError):
                pass
    line = reply.split(b'\r\n', 1)[0].split()
    print(line[1].decode() if len(line) > 1 and
          line[0].startswith(b'HTTP/') else 'closed')


main()
