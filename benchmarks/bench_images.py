"""Image pipeline vs bare Pillow on a 4000×3000 JPEG (same file, same run), and upload throughput on loopback.

Pipeline = hash + sniff/validate (bomb and truncation checks) + oriented, watermarked display copy + thumbnail,
i.e. everything the server does to one photo. Bare = Pillow decode + re-encode of the same file at full size.
Target: pipeline ≤ 1.5× bare.
"""
from __future__ import annotations

import hashlib
import io
import statistics
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from server.adapters import imaging

LINES = ["拍摄时间：2026-11-23 10:05:03（北京时间）", "位置：N40.86500° E111.66200° ±12米（gps）",
         "执法证号：15010101  张伟", "检查编号：8c1f0a8e-0000-4000-8000-000000000001"]
MAX_PIXELS = 40_000_000
ROUNDS = 3


def photo_like(size=(4000, 3000)) -> bytes:
    """Smooth gradients plus sensor-like noise: compresses like a real 12 Mpx phone photo (a few MB at q90)."""
    w, h = size
    gradient = Image.linear_gradient("L").resize(size)
    rgb = Image.merge("RGB", (gradient, gradient.rotate(90).resize(size), gradient.transpose(Image.FLIP_LEFT_RIGHT)))
    noise = Image.effect_noise(size, 24).convert("RGB")
    img = Image.blend(rgb, noise, 0.25)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def bare(data: bytes) -> None:
    img = Image.open(io.BytesIO(data))
    img.load()
    img.save(io.BytesIO(), "JPEG", quality=90)


def pipeline(data: bytes) -> None:
    hashlib.sha256(data).hexdigest()
    imaging.sniff(data[:64])
    imaging.inspect(data, MAX_PIXELS)
    imaging.derive(data, LINES, max_pixels=MAX_PIXELS)


def timed(fn, data: bytes) -> float:
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn(data)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def upload_throughput(data: bytes, files: int = 6, chunk: int = 1024 * 1024) -> tuple[float, int]:
    """MB/s for chunked PUTs of ``files`` distinct photos through a real HTTP server on 127.0.0.1."""
    import requests
    from werkzeug.serving import WSGIRequestHandler, make_server

    from server import create_app, demo
    from server.adapters.migrate import upgrade
    from server.services.uow import UnitOfWork

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MEDIA_DIR": str(Path(tmp) / "media"),
                          "INSTANCE_DIR": tmp, "EMBEDDED_WORKER": False, "ROADSIDE_ENV": "development"})
        with app.app_context():
            demo.load(UnitOfWork())
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with requests.Session() as http:
                token = http.post(f"{base}/api/auth/login", json={
                    "username": "zhangwei", "password": demo.DEMO_PASSWORD, "device_id": "bench-device-1",
                    "device_name": "bench"}).json()["access_token"]
                http.headers["Authorization"] = f"Bearer {token}"
                # Distinct blobs: bytes after the JPEG end marker change the hash, not the picture.
                payloads = [data + f"bench-{i}".encode() for i in range(files)]
                started = time.perf_counter()
                for payload in payloads:
                    digest, total = hashlib.sha256(payload).hexdigest(), len(payload)
                    for start in range(0, total, chunk):
                        part = payload[start:start + chunk]
                        resp = http.put(f"{base}/api/blobs/{digest}", data=part, headers={
                            "Content-Range": f"bytes {start}-{start + len(part) - 1}/{total}",
                            "Content-Type": "image/jpeg"})
                        resp.raise_for_status()
                    assert resp.status_code == 201, resp.text
                elapsed = time.perf_counter() - started
        finally:
            server.shutdown()
            thread.join()
        return sum(map(len, payloads)) / elapsed / 1e6, files


def run() -> list[str]:
    data = photo_like()
    t_bare = timed(bare, data)
    t_pipe = timed(pipeline, data)
    ratio = t_pipe / t_bare
    mbps, files = upload_throughput(data)
    return [
        f"test photo: 4000×3000 JPEG, {len(data) / 1e6:.1f} MB (median of {ROUNDS} runs each)",
        f"bare Pillow decode+encode (full size):           {t_bare * 1000:7.0f} ms",
        f"evidence pipeline (hash, validate, display+thumb+watermark): {t_pipe * 1000:7.0f} ms",
        f"ratio pipeline / bare: {ratio:.2f}×  (target ≤ 1.5×) {'OK' if ratio <= 1.5 else 'OVER TARGET'}",
        f"upload throughput, loopback, 1 MB chunks, {files} files: {mbps:.1f} MB/s "
        f"(incl. hash check, image validation, SQLite bookkeeping)",
    ]
