# Sourced by the bench scripts.
# free_ports N: N free TCP ports on 127.0.0.1, all different. Each is held until all are picked:
# one at a time, the kernel may hand out again a port that an earlier call just released.
free_ports() {
  python3 -c 'import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))' "$1"
}
