"""Image pipeline: real type from bytes, bombs and truncation refused, orientation applied, EXIF stripped,
watermark present on the display copy, original untouched."""
from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, ImageChops, ImageStat

from evidence_support import jpeg_bytes, png_bomb, png_bytes
from server.adapters import imaging

MAX_PIXELS = 40_000_000
LINES = ["拍摄时间：2026-11-23 10:05:03（北京时间）", "位置：N40.86500° E111.66200° ±12米（gps）",
         "执法证号：15010101  张伟", "检查编号：8c1f0a8e-0000-4000-8000-000000000001"]


def photo_with_exif(orientation: int) -> bytes:
    """Landscape 600×300 grey with a red block at the stored top-left, GPS and device EXIF, given orientation."""
    img = Image.new("RGB", (600, 300), (128, 128, 128))
    img.paste((255, 0, 0), (0, 0, 100, 100))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "P60"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (40.0, 51.0, 54.0), 3: "E", 4: (111.0, 39.0, 43.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def test_sniff_reads_the_bytes_not_the_name():
    assert imaging.sniff(jpeg_bytes()[:16]) == "image/jpeg"
    assert imaging.sniff(png_bytes()[:16]) == "image/png"
    webp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(webp, "WEBP")
    assert imaging.sniff(webp.getvalue()[:16]) == "image/webp"
    assert imaging.sniff(b"%PDF-1.7\n") == "application/pdf"
    assert imaging.sniff(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"
    assert imaging.sniff(b"MZ\x90\x00\x03") is None


def test_inspect_accepts_a_whole_image_and_reports_its_real_type():
    info = imaging.inspect(png_bytes(size=(320, 240)), MAX_PIXELS)
    assert (info.mime, info.width, info.height) == ("image/png", 320, 240)


def test_a_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(imaging.ImageTooManyPixels) as err:
        imaging.inspect(png_bomb(), MAX_PIXELS)
    assert err.value.status == 422 and err.value.code == "image-too-many-pixels"


def test_the_explicit_pixel_limit_applies_below_pillows_own():
    # 2,000 × 1,500 = 3 Mpx: fine for Pillow's default, over a 2 Mpx configured limit.
    with pytest.raises(imaging.ImageTooManyPixels) as err:
        imaging.inspect(jpeg_bytes(size=(2000, 1500)), 2_000_000)
    assert err.value.details == {"width": 2000, "height": 1500, "max_pixels": 2_000_000}


def test_a_truncated_jpeg_is_refused():
    data = jpeg_bytes(size=(800, 600), noise=True)
    with pytest.raises(imaging.ImageBroken) as err:
        imaging.inspect(data[: len(data) * 2 // 3], MAX_PIXELS)
    assert err.value.code == "image-truncated"


def test_exif_orientation_is_applied_to_the_display_copy():
    # Orientation 6 = the camera was turned 90° clockwise: shown upright, the stored top-left is the top-right.
    derived = imaging.derive(photo_with_exif(6), [], max_pixels=MAX_PIXELS)
    display = Image.open(io.BytesIO(derived.display))
    assert display.size == (300, 600)
    assert display.getpixel((display.width - 20, 20))[0] > 200  # red block now top-right
    assert display.getpixel((20, 20))[0] < 160  # grey where it used to be


def test_derived_copies_carry_no_exif_but_the_original_keeps_it():
    original = photo_with_exif(1)
    derived = imaging.derive(original, LINES, max_pixels=MAX_PIXELS)
    for data in (derived.display, derived.thumb):
        img = Image.open(io.BytesIO(data))
        assert len(img.getexif()) == 0
        assert "exif" not in img.info
    kept = Image.open(io.BytesIO(original)).getexif()
    assert kept[ExifTags.Base.Make] == "HUAWEI" and kept.get_ifd(ExifTags.IFD.GPSInfo)


def test_the_watermark_is_present_in_its_region_and_nowhere_else():
    source = jpeg_bytes(size=(1600, 1200), color=(150, 170, 190), quality=95)
    plain = Image.open(io.BytesIO(imaging.derive(source, [], max_pixels=MAX_PIXELS).display)).convert("RGB")
    marked = Image.open(io.BytesIO(imaging.derive(source, LINES, max_pixels=MAX_PIXELS).display)).convert("RGB")
    assert marked.size == plain.size == (1600, 1200)
    box = imaging.watermark_box(marked.size, len(LINES))
    assert box[1] > 900  # a bottom band, the photo above stays visible
    region_marked, region_plain = marked.crop(box), plain.crop(box)
    # Darkened band: the mean brightness drops well below the plain photo's...
    assert sum(ImageStat.Stat(region_marked).mean) < 0.6 * sum(ImageStat.Stat(region_plain).mean)
    # ...and white text is written on it (bright pixels that the darkened band alone would not have).
    assert region_marked.convert("L").getextrema()[1] > 200
    above = (0, 0, marked.width, box[1] - 8)
    diff = ImageChops.difference(marked.crop(above), plain.crop(above))
    assert max(max(channel) for channel in diff.getextrema()) <= 8  # only JPEG noise above the band


def test_thumbnail_and_display_sizes_are_bounded():
    derived = imaging.derive(jpeg_bytes(size=(4000, 3000), noise=True), LINES, max_pixels=MAX_PIXELS)
    assert derived.display_size == (1600, 1200)
    assert max(derived.thumb_size) == imaging.THUMB_MAX


def test_a_transparent_signature_is_put_on_white():
    sig = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    sig.paste((0, 0, 0, 255), (20, 40, 180, 60))
    out = io.BytesIO()
    sig.save(out, "PNG")
    display = Image.open(io.BytesIO(imaging.derive(out.getvalue(), [], max_pixels=MAX_PIXELS).display))
    assert display.getpixel((5, 5))[0] > 240 and display.getpixel((100, 50))[0] < 40
