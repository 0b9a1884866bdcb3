#!/usr/bin/env python3
"""Draws Casebook's app icon (a case folder with a padlock on a deep teal tile) as 8-bit RGBA
PNGs in the sizes Tauri's bundler wants. Pure standard library, so it runs anywhere:
    python3 icons/make_icons.py
"""
import struct
import zlib
from pathlib import Path

TEAL = (22, 78, 99)
FOLDER = (244, 239, 226)
FOLDER_TAB = (222, 212, 188)
LOCK = (22, 78, 99)


def inside_rounded(x, y, x0, y0, x1, y1, r):
    if x < x0 or x > x1 or y < y0 or y > y1:
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def pixel(u, v):
    """Colour at unit coordinates (u, v) in [0, 1); None = transparent."""
    if not inside_rounded(u, v, 0.02, 0.02, 0.98, 0.98, 0.2):
        return None
    # Folder tab and body.
    if inside_rounded(u, v, 0.18, 0.24, 0.48, 0.40, 0.04):
        col = FOLDER_TAB
    else:
        col = TEAL
    if inside_rounded(u, v, 0.18, 0.32, 0.82, 0.78, 0.05):
        col = FOLDER
    # Padlock: shackle ring and body.
    d = ((u - 0.5) ** 2 + (v - 0.50) ** 2) ** 0.5
    if 0.075 <= d <= 0.115 and v <= 0.52:
        col = LOCK
    if inside_rounded(u, v, 0.37, 0.50, 0.63, 0.70, 0.03):
        col = LOCK
        if ((u - 0.5) ** 2 + (v - 0.585) ** 2) ** 0.5 <= 0.025 or (abs(u - 0.5) <= 0.011 and 0.585 <= v <= 0.645):
            col = FOLDER
    return col


def render(size, samples=4):
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter type 0
        for x in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    c = pixel((x + (sx + 0.5) / samples) / size, (y + (sy + 0.5) / samples) / size)
                    if c is not None:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            n = samples * samples
            a = acc[3] // n
            if a:
                cov = acc[3] // 255
                row += bytes([acc[0] // cov, acc[1] // cov, acc[2] // cov, a])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return rows


def png(size):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(render(size)), 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = Path(__file__).resolve().parent
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        (out / name).write_bytes(png(size))
        print("wrote", out / name)
