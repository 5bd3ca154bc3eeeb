#!/usr/bin/python3
"""Writes the seed corpus of fuzz_netif (tests/fuzz/corpus/netif/): whole conversations as a
client on 192.168.7.1 would have them with the device on 192.168.7.2, in the record format
fuzz_netif.c reads. The device's sequence numbers are unknown here, so every TCP record
asks the harness to continue the device's side (ctl bit 3) and to fix checksums (bit 4)."""
import os
import struct
import sys

HOST_MAC = bytes.fromhex("02005e000701")
DEV_MAC = bytes.fromhex("02005e000702")
HOST_IP = bytes([192, 168, 7, 1])
DEV_IP = bytes([192, 168, 7, 2])
FIX = 0x18


def rec(frame, ctl=FIX | 1):
    return bytes([ctl]) + struct.pack(">H", len(frame)) + frame


def eth(payload, etype=0x0800, dst=DEV_MAC):
    return dst + HOST_MAC + struct.pack(">H", etype) + payload


def arp_request():
    body = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + HOST_MAC + HOST_IP + bytes(6) + DEV_IP
    return rec(eth(body, 0x0806, b"\xff" * 6), 1)


def ipv4(proto, payload, ident=1, frag=0x4000):
    head = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                       HOST_IP, DEV_IP)
    return head + payload


def tcp(sport, flags, data=b"", seq=1000, dport=80):
    # seq/ack are rewritten by the harness except on the first SYN.
    return ipv4(6, struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 2920, 0, 0) + data)


SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04


def conversation(sport, *chunks, close=True, ticks=0):
    out = rec(eth(tcp(sport, SYN)))
    out += rec(eth(tcp(sport, ACK)))
    for c in chunks:
        out += rec(eth(tcp(sport, ACK | PSH, c)), FIX | 1 | 0x60)
        out += rec(eth(tcp(sport, ACK)))
    for _ in range(ticks):
        out += rec(b"", 3)  # 100 ms with no frame: timers and generation run
        out += rec(eth(tcp(sport, ACK)))
    if close:
        out += rec(eth(tcp(sport, ACK | FIN)))
        out += rec(eth(tcp(sport, ACK)))
    return out


def ws_frame(text, opcode=1):
    key = b"\x11\x22\x33\x44"
    data = text.encode()
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return bytes([0x80 | opcode, 0x80 | len(data)]) + key + masked


WS_UPGRADE = (b"GET /ws HTTP/1.1\r\nHost: d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
GEN = b'{"prompt":"a red circle","num_inference_steps":2,"seed":1,"preview":false}'

SEEDS = {
    "health": arp_request() + conversation(40001, b"GET /api/health HTTP/1.1\r\nHost: d\r\n\r\n"),
    "keepalive_two": arp_request() + conversation(
        40002, b"GET / HTTP/1.1\r\nHost: d\r\n\r\n", b"HEAD /api/health HTTP/1.1\r\nHost: d\r\n\r\n"),
    "generate_sse": arp_request() + conversation(
        40003, b"POST /api/generate HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(GEN)).encode() + b"\r\n\r\n" + GEN) + conversation(
        40004, b"GET /api/jobs/1/events HTTP/1.1\r\nHost: d\r\nLast-Event-ID: 0\r\n\r\n", ticks=6),
    "ws_generate": arp_request() + conversation(
        40005, WS_UPGRADE, ws_frame('{"type":"ping"}'),
        ws_frame('{"type":"generate","prompt":"a blue star","num_inference_steps":1}'),
        ws_frame("", 9), ticks=4),
    "ws_echo": arp_request() + conversation(
        40006, WS_UPGRADE.replace(b"/ws ", b"/ws/test "), ws_frame("hello"), ws_frame("bye", 8)),
    "bad_request": arp_request() + conversation(40007, b"\x00\xffGARBAGE\r\n\r\n"),
    "slow_headers": arp_request() + conversation(
        40008, b"GET /api/he", b"alth HTTP/1.1\r\n", close=False, ticks=60),
    "reset": arp_request() + rec(eth(tcp(40009, SYN))) + rec(eth(tcp(40009, RST | ACK))),
    "icmp_echo": arp_request() + rec(eth(ipv4(1, b"\x08\x00\x00\x00\x00\x01\x00\x01ping"))),
    "udp": arp_request() + rec(eth(ipv4(17, struct.pack(">HHHH", 5000, 67, 12, 0) + b"abcd"))),
    "ip_fragments": arp_request()
    + rec(eth(ipv4(1, b"\x08\x00\x00\x00\x00\x02\x00\x01" + b"x" * 24, 7, 0x2000)))
    + rec(eth(ipv4(1, b"y" * 16, 7, 0x0004))),
    "no_arp_syn": rec(eth(tcp(40010, SYN))) + rec(b"", 6),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "netif")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()
