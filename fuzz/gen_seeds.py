"""Writes the synthetic seed images for the decode_image fuzz target into seeds/.

Only generated pictures (gradients and blocks, no photos): tiny JPEG, PNG and WebP files in
the layouts the decoders branch on (baseline/progressive JPEG, 4:2:0/4:4:4, grey, CMYK, EXIF
orientation 1-8; PNG grey/RGB/RGBA/palette/1-bit/16-bit with eXIf; WebP lossy/lossless,
alpha, animated, EXIF, ICC). Needs Pillow: run it from a throwaway venv, e.g.

    python3 -m venv ../.local/fuzz-venv && ../.local/fuzz-venv/bin/pip install pillow
    ../.local/fuzz-venv/bin/python gen_seeds.py
"""

import hashlib
import io
import os

from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def picture(w, h, mode="RGB"):
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = ((x * 255) // max(w - 1, 1), (y * 255) // max(h - 1, 1), 40 if x < w // 2 else 200)
    return img.convert(mode) if mode != "RGB" else img


def exif(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def save(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    data = buf.getvalue()
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    return len(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    total = 0
    n = 0
    # JPEG
    for (w, h) in [(1, 1), (7, 5), (16, 16), (33, 17)]:
        for sub in [0, 1, 2]:  # 4:4:4, 4:2:2, 4:2:0
            total += save(picture(w, h), "JPEG", quality=75, subsampling=sub); n += 1
    total += save(picture(24, 12), "JPEG", quality=60, progressive=True); n += 1
    total += save(picture(24, 12), "JPEG", quality=90, optimize=True); n += 1
    total += save(picture(17, 9, "L"), "JPEG", quality=80); n += 1
    total += save(picture(17, 9, "L"), "JPEG", quality=80, progressive=True); n += 1
    total += save(picture(12, 8, "CMYK"), "JPEG", quality=80); n += 1
    for o in range(1, 9):
        total += save(picture(10, 6), "JPEG", quality=70, exif=exif(o)); n += 1
    total += save(picture(10, 6), "JPEG", quality=70, progressive=True, exif=exif(6)); n += 1
    # PNG
    for mode in ["L", "LA", "RGB", "RGBA", "P", "1"]:
        total += save(picture(13, 7, mode), "PNG"); n += 1
    total += save(picture(13, 7, "L").convert("I;16"), "PNG"); n += 1  # 16-bit grey
    p = picture(9, 9, "P")
    total += save(p, "PNG", transparency=0); n += 1
    total += save(picture(11, 5), "PNG", exif=exif(6)); n += 1
    total += save(picture(11, 5), "PNG", exif=exif(3), compress_level=0); n += 1
    total += save(picture(1, 1, "RGBA"), "PNG"); n += 1
    # A valid PNG whose header claims 100,000 x 100,000 pixels (the CRC no longer matches).
    buf = io.BytesIO()
    picture(4, 4).save(buf, "PNG")
    huge = bytearray(buf.getvalue())
    huge[16:24] = (100_000).to_bytes(4, "big") * 2
    with open(os.path.join(OUT, hashlib.sha1(huge).hexdigest()), "wb") as f:
        f.write(huge)
    n += 1
    # WebP
    total += save(picture(16, 10), "WEBP", quality=50); n += 1
    total += save(picture(16, 10), "WEBP", lossless=True); n += 1
    total += save(picture(16, 10, "RGBA"), "WEBP", quality=50); n += 1
    total += save(picture(16, 10, "RGBA"), "WEBP", lossless=True); n += 1
    total += save(picture(12, 8), "WEBP", quality=50, exif=exif(6)); n += 1
    total += save(picture(12, 8), "WEBP", lossless=True, exif=exif(8)); n += 1
    total += save(picture(1, 1), "WEBP", lossless=True); n += 1
    frames = [picture(8, 8), picture(8, 8).rotate(90)]
    total += save(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=50, lossless=True); n += 1
    total += save(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=50, quality=40); n += 1
    print(f"{n} seeds, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
