#!/usr/bin/python3
"""activate.py PATH MODE -- COMMAND...: what systemd does for a socket unit
with ListenStream=PATH and SocketMode=MODE: bind and listen on PATH, pass the
socket as file descriptor 3 (LISTEN_FDS=1, LISTEN_PID, LISTEN_FDNAMES) and
exec COMMAND in this process, so that LISTEN_PID is its pid."""
import os
import socket
import sys

path, mode = sys.argv[1], int(sys.argv[2], 8)
cmd = sys.argv[sys.argv.index("--") + 1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
old = os.umask(0o777 & ~mode)
s.bind(path)
os.umask(old)
s.listen(128)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()),
           LISTEN_FDNAMES="vaccel-agent.socket")
os.execvpe(cmd[0], cmd, env)
