import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from ml.images import (
    ImageDecodeError,
    ImageTooLargeError,
    NotAnImageError,
    TruncatedImageError,
    decode_image,
    image_size,
)

LIMIT = 10_000_000


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but carries no pixel data (a bomb costs nothing)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def pixels(image: Image.Image) -> np.ndarray:
    assert image.mode == "RGB"
    return np.asarray(image)


# --- failures -------------------------------------------------------------------------------


def test_pixel_limit_is_checked_before_decoding():
    data = encode(Image.new("L", (2000, 1000)), "PNG")
    with pytest.raises(ImageTooLargeError, match="2000x1000 = 2000000 pixels, limit is 1999999"):
        decode_image(data, "image/png", max_pixels=1_999_999)
    assert decode_image(data, "image/png", max_pixels=2_000_000).size == (2000, 1000)


def test_decompression_bomb_header_is_refused_without_allocating():
    bomb = png_header_only(12_000, 12_000)
    with pytest.raises(ImageTooLargeError, match="12000x12000 = 144000000 pixels"):
        decode_image(bomb, "image/png", max_pixels=LIMIT)


def test_bomb_beyond_pillow_hard_limit_is_still_too_large():
    # Even with a permissive max_pixels, Pillow's own hard limit turns into our error type.
    bomb = png_header_only(100_000, 100_000)
    with pytest.raises(ImageTooLargeError, match="Pillow's hard pixel limit"):
        decode_image(bomb, "image/png", max_pixels=10**12)


def test_truncated_jpeg():
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (200, 300, 3), dtype=np.uint8))
    data = encode(noise, "JPEG", quality=90)
    with pytest.raises(TruncatedImageError, match="JPEG data is truncated or corrupt"):
        decode_image(data[: len(data) // 2], "image/jpeg", max_pixels=LIMIT)


def test_truncated_png():
    rng = np.random.default_rng(1)
    noise = Image.fromarray(rng.integers(0, 256, (200, 300), dtype=np.uint8))
    data = encode(noise, "PNG")
    with pytest.raises(TruncatedImageError, match="PNG data is truncated or corrupt"):
        decode_image(data[: len(data) // 2], "image/png", max_pixels=LIMIT)


def test_html_error_page_served_as_jpeg():
    page = b"<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>"
    with pytest.raises(NotAnImageError) as caught:
        decode_image(page, "image/jpeg", max_pixels=LIMIT)
    assert str(caught.value) == "body is an HTML page, not an image (content type 'image/jpeg')"


def test_json_error_served_as_image():
    with pytest.raises(NotAnImageError, match="body is JSON"):
        decode_image(b'{"error": "not found"}', "image/jpeg", max_pixels=LIMIT)


def test_empty_body():
    with pytest.raises(NotAnImageError, match="empty body"):
        decode_image(b"", None, max_pixels=LIMIT)


def test_all_failures_share_one_base_class():
    for kind in (ImageTooLargeError, TruncatedImageError, NotAnImageError):
        assert issubclass(kind, ImageDecodeError)
        assert issubclass(kind, ValueError)


def test_wrong_content_type_on_a_real_image_still_decodes():
    data = encode(Image.new("RGB", (4, 3), (10, 20, 30)), "PNG")
    decoded = decode_image(data, "text/html", max_pixels=LIMIT)
    assert pixels(decoded)[0, 0].tolist() == [10, 20, 30]


# --- conversions ----------------------------------------------------------------------------


def test_grayscale_becomes_equal_channels():
    gray = Image.fromarray(np.array([[0, 100, 255]], dtype=np.uint8))
    decoded = decode_image(encode(gray, "PNG"), "image/png", max_pixels=LIMIT)
    assert pixels(decoded).tolist() == [[[0, 0, 0], [100, 100, 100], [255, 255, 255]]]


def test_bilevel():
    bilevel = Image.new("1", (2, 1))
    bilevel.putpixel((1, 0), 1)
    decoded = decode_image(encode(bilevel, "PNG"), "image/png", max_pixels=LIMIT)
    assert pixels(decoded).tolist() == [[[0, 0, 0], [255, 255, 255]]]


def test_sixteen_bit_is_scaled_not_clipped():
    samples = np.array([[0, 1000, 32896, 65535]], dtype=np.uint16)
    data = encode(Image.fromarray(samples), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    decoded = decode_image(data, "image/png", max_pixels=LIMIT)
    # 1000 / 257 = 3.9 -> 4; Pillow's convert("L") would clip it to 255.
    assert pixels(decoded)[0, :, 0].tolist() == [0, 4, 128, 255]


def test_thirty_two_bit_integer_with_sixteen_bit_range():
    samples = np.array([[0, 257, 65535]], dtype=np.int32)
    image = Image.fromarray(samples)
    assert image.mode == "I"
    decoded = decode_image(encode(image, "TIFF"), "image/tiff", max_pixels=LIMIT)
    assert pixels(decoded)[0, :, 0].tolist() == [0, 1, 255]


def test_float_image_in_unit_range():
    image = Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32))
    assert image.mode == "F"
    decoded = decode_image(encode(image, "TIFF"), "image/tiff", max_pixels=LIMIT)
    assert pixels(decoded)[0, :, 0].tolist() == [0, 128, 255]


def test_cmyk_tiff():
    cmyk = Image.new("CMYK", (2, 1), (255, 0, 0, 0))
    cmyk.putpixel((1, 0), (0, 0, 0, 255))
    decoded = decode_image(encode(cmyk, "TIFF"), "image/tiff", max_pixels=LIMIT)
    assert pixels(decoded).tolist() == [[[0, 255, 255], [0, 0, 0]]]


def test_cmyk_jpeg():
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))
    decoded = decode_image(encode(cmyk, "JPEG", quality=95), "image/jpeg", max_pixels=LIMIT)
    red, green, blue = pixels(decoded)[8, 8].tolist()
    assert red >= 250 and green <= 5 and blue <= 5


def test_palette():
    palette = Image.new("P", (2, 1))
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    palette.putpixel((1, 0), 1)
    decoded = decode_image(encode(palette, "PNG"), "image/png", max_pixels=LIMIT)
    assert pixels(decoded).tolist() == [[[255, 0, 0], [0, 0, 255]]]


def test_palette_transparency_becomes_paper():
    palette = Image.new("P", (2, 1))
    palette.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    palette.putpixel((1, 0), 1)
    data = encode(palette, "GIF", transparency=0)
    decoded = decode_image(data, "image/gif", max_pixels=LIMIT)
    assert pixels(decoded).tolist() == [[[255, 255, 255], [0, 0, 255]]]


def test_rgba_is_composited_on_white():
    rgba = Image.new("RGBA", (3, 1))
    rgba.putpixel((0, 0), (0, 0, 0, 0))
    rgba.putpixel((1, 0), (255, 0, 0, 255))
    rgba.putpixel((2, 0), (0, 0, 0, 128))
    decoded = decode_image(encode(rgba, "PNG"), "image/png", max_pixels=LIMIT)
    assert pixels(decoded).tolist() == [[[255, 255, 255], [255, 0, 0], [127, 127, 127]]]


def test_gray_with_alpha():
    la = Image.new("LA", (2, 1))
    la.putpixel((0, 0), (0, 0))
    la.putpixel((1, 0), (60, 255))
    decoded = decode_image(encode(la, "PNG"), "image/png", max_pixels=LIMIT)
    assert pixels(decoded).tolist() == [[[255, 255, 255], [60, 60, 60]]]


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display needs 90 degrees clockwise
    data = encode(image, "JPEG", quality=95, exif=exif.tobytes())
    decoded = decode_image(data, "image/jpeg", max_pixels=LIMIT)
    assert decoded.size == (20, 40)
    top = pixels(decoded)[5, 10].tolist()
    bottom = pixels(decoded)[35, 10].tolist()
    assert top[0] > 240 and top[2] < 15
    assert bottom[2] > 240 and bottom[0] < 15


def test_first_frame_of_animation():
    frames = [Image.new("RGB", (4, 4), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    decoded = decode_image(buffer.getvalue(), "image/gif", max_pixels=LIMIT)
    assert pixels(decoded)[0, 0].tolist() == [255, 0, 0]


# --- budgets and reduced decoding ----------------------------------------------------------


def test_image_size_reads_the_header_only_and_enforces_the_budget():
    assert image_size(png_header_only(13000, 13000), "image/png", 200_000_000) == (13000, 13000)
    with pytest.raises(ImageTooLargeError, match="13000x13000"):
        image_size(png_header_only(13000, 13000), "image/png", 40_000_000)


def test_large_jpegs_are_decoded_at_a_reduced_scale():
    gradient = np.tile(np.linspace(0, 255, 4000, dtype=np.uint8), (3000, 1))
    data = encode(Image.fromarray(gradient).convert("RGB"), "JPEG", quality=90)
    full = decode_image(data, "image/jpeg", max_pixels=LIMIT * 2)
    reduced = decode_image(data, "image/jpeg", max_pixels=LIMIT * 2, max_side=900)
    assert full.size == (4000, 3000)
    # draft() decodes at 1/4 scale: never below the asked side, and the same picture.
    assert reduced.size == (1000, 750)
    assert (
        np.abs(
            pixels(reduced.resize((400, 300))).astype(int)
            - pixels(full.resize((400, 300))).astype(int)
        ).mean()
        < 2
    )


def test_other_formats_are_reduced_right_after_decoding():
    data = encode(Image.new("RGB", (3000, 2000), (10, 200, 30)), "PNG")
    reduced = decode_image(data, "image/png", max_pixels=LIMIT, max_side=700)
    assert reduced.size == (750, 500) and pixels(reduced)[0, 0].tolist() == [10, 200, 30]
    small = decode_image(data, "image/png", max_pixels=LIMIT, max_side=2000)
    assert small.size == (3000, 2000)  # under twice the side: left as it is
