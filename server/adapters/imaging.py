"""Image pipeline (Pillow): sniff the real type, refuse bombs and broken files, make the derived copies.

The original is never touched: it is stored byte for byte under its hash. What officers look at is a display
copy (EXIF orientation applied, no EXIF at all — GPS and device model stripped, and a visible watermark with time,
place, certificate number and case number) and a thumbnail. Both are reproducible from the original.
"""
from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Sequence

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from server.domain.errors import DomainError

log = logging.getLogger("roadside.imaging")

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
IMAGE_MIMES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
DISPLAY_MAX = 1600
THUMB_MAX = 320


class UnsupportedType(DomainError):
    status = 415
    code = "blob-type-unsupported"
    message = "不支持的文件类型：仅接受 JPEG/PNG/WebP 图片、PDF 以及常见音视频格式"


class ImageTooManyPixels(DomainError):
    status = 422
    code = "image-too-many-pixels"
    message = "图片像素过多（疑似解压炸弹），已拒收"


class ImageBroken(DomainError):
    status = 422
    code = "image-truncated"
    message = "图片文件不完整或已损坏，请重新拍摄或重新上传"


def sniff(head: bytes) -> str | None:
    """The real content type from the first bytes (headers and file names are not trusted)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"  # Matroska/WebM: MediaRecorder's audio and video both look like this
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head[:2] in (b"\xff\xf1", b"\xff\xf9"):
        return "audio/aac"
    return None


MIME_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "audio/x-wav": "audio/wav",
                "audio/wave": "audio/wav", "audio/mp3": "audio/mpeg", "audio/x-m4a": "audio/mp4"}
GENERIC_MIMES = {"", "application/octet-stream", "binary/octet-stream"}


def declared_contradicts(declared: str | None, sniffed: str) -> bool:
    """Does the type a client declared say something other than what the bytes are?

    Images must match exactly (a PNG sent as image/jpeg is refused: evidence metadata must not lie). Audio and
    video containers are ambiguous from their first bytes (MediaRecorder's audio/webm looks like video/webm), so
    any audio/* or video/* declaration fits a sniffed container. No declaration, or a generic one, fits anything.
    """
    if declared is None:
        return False
    name = declared.split(";")[0].strip().lower()
    name = MIME_ALIASES.get(name, name)
    if name in GENERIC_MIMES or name == sniffed:
        return False
    if is_image(sniffed) or name.startswith("image/"):
        return True
    media = ("audio/", "video/")
    return not (name.startswith(media) and sniffed.startswith(media))


class TypeMismatch(DomainError):
    status = 415
    code = "blob-type-mismatch"
    message = "文件内容与声明的类型不符，已丢弃；请按实际格式重新上传"


def is_image(mime: str | None) -> bool:
    return mime in IMAGE_MIMES.values()


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int


def _open(src: str | Path | bytes | BinaryIO, max_pixels: int) -> Image.Image:
    """Open (header only) and enforce the pixel limit before any pixel is decoded."""
    if isinstance(src, bytes):
        src = io.BytesIO(src)
    # Pillow's own guard raises above twice MAX_IMAGE_PIXELS (its warning between 1× and 2× is silenced: the
    # explicit check below refuses those, with the dimensions in the error).
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(src, formats=list(IMAGE_MIMES))
    except Image.DecompressionBombError:
        raise ImageTooManyPixels(details={"max_pixels": max_pixels}) from None
    except UnidentifiedImageError:
        raise ImageBroken(message="无法识别的图片内容（文件可能已损坏或不是图片）") from None
    width, height = img.size
    if width * height > max_pixels:
        raise ImageTooManyPixels(details={"width": width, "height": height, "max_pixels": max_pixels})
    return img


def _decode(img: Image.Image) -> None:
    try:
        img.load()
    except (OSError, SyntaxError, EOFError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageBroken(details={"reason": str(exc)[:200]}) from None


def inspect(src: str | Path | bytes | BinaryIO, max_pixels: int) -> ImageInfo:
    """Check that an upload is a whole, sane image; returns its real type and size.

    A JPEG is decoded in draft mode at 1/8 scale: every entropy-coded byte is still read, so truncation is caught,
    for a fraction of a full decode.
    """
    img = _open(src, max_pixels)
    with img:
        width, height = img.size
        if img.format == "JPEG":
            img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
        _decode(img)
        return ImageInfo(IMAGE_MIMES[img.format], width, height)


@dataclass(frozen=True)
class Derived:
    display: bytes
    display_size: tuple[int, int]
    thumb: bytes
    thumb_size: tuple[int, int]


def _fit(size: tuple[int, int], limit: int) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, limit / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "P", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        # Signatures are dark strokes on transparency: put them on white, not on black.
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def derive(src: str | Path | bytes | BinaryIO, watermark_lines: Sequence[str], *, max_pixels: int,
           display_max: int = DISPLAY_MAX, thumb_max: int = THUMB_MAX) -> Derived:
    """Display copy (≤ display_max, oriented, watermarked, EXIF-free JPEG) and thumbnail (≤ thumb_max)."""
    img = _open(src, max_pixels)
    with img:
        if img.format == "JPEG":
            # Decode straight at the smallest DCT scale that still covers the display size: most of the speed-up.
            img.draft("RGB", _fit(img.size, display_max))
        _decode(img)
        upright = ImageOps.exif_transpose(img)
    base = _to_rgb(upright)
    # Bilinear is enough after draft mode (what remains is a ≤2× reduction) and costs half of bicubic;
    # reducing_gap lets Pillow box-reduce first when the factor is large (the thumbnail).
    base.thumbnail((display_max, display_max), Image.Resampling.BILINEAR, reducing_gap=2.0)
    thumb = base.resize(_fit(base.size, thumb_max), Image.Resampling.BILINEAR, reducing_gap=1.0)
    display = watermark(base, watermark_lines)
    return Derived(_jpeg(display, 82), display.size, _jpeg(thumb, 75), thumb.size)


def _jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= argument: the derived copy carries no EXIF at all (GPS, device make/model, serials gone).
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT_PATH, size)
    except OSError:
        log.warning("CJK font %s missing: install fonts-wqy-microhei; watermark falls back to Latin glyphs",
                    FONT_PATH)
        return ImageFont.load_default(size)


def watermark_box(size: tuple[int, int], lines: int) -> tuple[int, int, int, int]:
    """Where the watermark band goes (left, top, right, bottom): the bottom strip, full width."""
    width, height = size
    font_size = max(12, width // 45)
    band = min(height, lines * round(font_size * 1.35) + font_size)
    return 0, height - band, width, height


def watermark(img: Image.Image, lines: Sequence[str]) -> Image.Image:
    """Darken the bottom band and write the lines in white: readable on any photo, hard to crop unnoticed."""
    if not lines:
        return img
    left, top, right, bottom = watermark_box(img.size, len(lines))
    band = img.crop((left, top, right, bottom)).point(lambda v: v * 35 // 100)
    img.paste(band, (left, top))
    font_size = max(12, img.width // 45)
    font = _font(font_size)
    draw = ImageDraw.Draw(img)
    y = top + font_size // 2
    for line in lines:
        draw.text((font_size // 2, y), line, font=font, fill=(255, 255, 255))
        y += round(font_size * 1.35)
    return img
