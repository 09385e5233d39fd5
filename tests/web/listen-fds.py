#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs a program as systemd's socket activation would, with the sockets
# (or other files) of the test's choosing, to feed webd bad input:
#   listen-fds.py [--names a:b] [--count N] SPEC... -- PROGRAM ARGS...
# SPEC: tcp4 (listening on 127.0.0.1, any port), tcp6 (on ::1),
# tcp4-unlistened (bound, not listening), udp4, file (/dev/null), unix
# (a listening stream socket).  --count overrides LISTEN_FDS; --names
# sets LISTEN_FDNAMES.
import os
import socket
import sys


def make(spec):
    if spec == "file":
        return os.open("/dev/null", os.O_RDONLY)
    if spec == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind("\0deskphone-test-%d" % os.getpid())
        s.listen(4)
        return s.detach()
    family = socket.AF_INET6 if spec.startswith("tcp6") else socket.AF_INET
    kind = socket.SOCK_DGRAM if spec == "udp4" else socket.SOCK_STREAM
    s = socket.socket(family, kind)
    s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    if kind == socket.SOCK_STREAM and spec != "tcp4-unlistened":
        s.listen(4)
    return s.detach()


def main(argv):
    names = None
    count = None
    while argv and argv[0].startswith("--") and argv[0] != "--":
        opt = argv.pop(0)
        if opt == "--names":
            names = argv.pop(0)
        elif opt == "--count":
            count = argv.pop(0)
        else:
            sys.exit("unknown option " + opt)
    split = argv.index("--")
    specs, program = argv[:split], argv[split + 1:]

    # Out of the way first, so that moving one down clobbers no other.
    fds = []
    for i, spec in enumerate(specs):
        fd = make(spec)
        fds.append(os.dup2(fd, 100 + i))
        os.close(fd)
    # The first passed file is fd 3, the next 4, ... (SD_LISTEN_FDS_START)
    for i, fd in enumerate(fds):
        os.dup2(fd, 3 + i)
        os.set_inheritable(3 + i, True)
        os.close(fd)

    env = dict(os.environ)
    env["LISTEN_PID"] = str(os.getpid())
    env["LISTEN_FDS"] = count if count is not None else str(len(fds))
    if names is not None:
        env["LISTEN_FDNAMES"] = names
    os.execve(program[0], program, env)


main(sys.argv[1:])
