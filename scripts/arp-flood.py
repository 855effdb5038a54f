#!/usr/bin/env python3
"""ARP frames claiming one address, for scripts/bench.sh's comparison 10 only.

    arp-flood.py IF ADDRESS COUNT [MACS]

Sends COUNT gratuitous ARP replies for ADDRESS on IF, from MACS (default 8192) locally
administered MACs 02:1f:00:00:00:00 onwards in turn, as fast as the socket takes them,
and prints how many went out. bench.sh runs it inside its own namespace, on the peer of
its veth pair, so the frames reach the bench's parent and nothing else.
"""
import socket
import struct
import sys

ifname, address, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
macs = int(sys.argv[4]) if len(sys.argv) > 4 else 8192
ip = socket.inet_aton(address)
frames = []
for i in range(macs):
    mac = bytes([0x02, 0x1F]) + i.to_bytes(4, "big")
    # Ethernet broadcast, ARP; the ARP reply: Ethernet/IPv4, op 2, sender = target = ADDRESS.
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, mac, ip, b"\xff" * 6, ip)
    frames.append(b"\xff" * 6 + mac + b"\x08\x06" + arp)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
sent = 0
while sent < count:
    for f in frames[: count - sent]:
        s.send(f)
    sent += min(len(frames), count - sent)
print(sent)
