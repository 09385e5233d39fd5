#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Listens on a unix datagram socket as systemd's NOTIFY_SOCKET and
# appends every message it gets to a file, one per line.
#   notify-listen.py SOCKET OUTFILE
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        data = s.recv(4096)
        f.write(data.decode("utf-8", "replace").replace("\n", " ") + "\n")
