"""QR codes as SVG: the printable A4 poster of a patrol point (signed QR + name, for the wall) and the plain code."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno

WIDTH_MM, HEIGHT_MM = 210, 297  # A4 portrait: browsers print SVG at its declared physical size


def qr_svg(text: str) -> str:
    """The QR alone as SVG: scale 1 + border 4 (the quiet zone the spec requires) and a viewBox only (omitsize),
    so whoever embeds it gives the size — the poster 150 mm, the phone's 亮证 screen its own width."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="svg", scale=1, border=4, xmldecl=False, svgns=True, omitsize=True)
    return buf.getvalue().decode()


def poster_svg(token: str, point_name: str, unit_name: str, radius_m: int) -> str:
    inner = qr_svg(token).replace("<svg ", '<svg x="30" y="70" width="150" height="150" ', 1)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_MM}mm" height="{HEIGHT_MM}mm" '
        f'viewBox="0 0 {WIDTH_MM} {HEIGHT_MM}" font-family="WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif">'
        '<rect width="100%" height="100%" fill="#fff"/>'
        '<text x="105" y="30" font-size="14" text-anchor="middle" font-weight="bold">领导带班巡查签到点</text>'
        f'<text x="105" y="48" font-size="11" text-anchor="middle">{escape(point_name)}</text>'
        f'<text x="105" y="60" font-size="7" text-anchor="middle" fill="#444">{escape(unit_name)}</text>'
        f"{inner}"
        f'<text x="105" y="240" font-size="7" text-anchor="middle">请使用 Roadside 执法终端扫码签到（须在 {radius_m} 米范围内定位）</text>'
        '<text x="105" y="252" font-size="5" text-anchor="middle" fill="#666">二维码含电子签名，涂改或复制到他处无效</text>'
        "</svg>"
    )
