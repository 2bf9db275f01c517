"""Scans and phone photos of rendered invoices: pages rasterised with pdfium, then degraded
with numpy and OpenCV (tilt, quarter turns, noise, blur, low resolution, JPEG artefacts,
perspective on a darker background with uneven light)."""

import io
import random

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

# variant: (output format, dpi)
VARIANTS = {
    "scan-clean": ("pdf", 300),
    "scan-tilt": ("pdf", 200),
    "scan-150dpi": ("pdf", 150),
    "scan-upside": ("pdf", 200),
    "scan-sideways": ("pdf", 200),
    "scan-noisy": ("png", 200),
    "scan-jpeg": ("jpeg", 200),
    "photo": ("jpeg", 200),
    "photo-dim": ("jpeg", 200),
    "photo-heic": ("heic", 200),
    "photo-webp": ("webp", 200),
}


def kind(variant: str) -> str:
    return "photo" if variant.startswith("photo") else "scan"


def extension(variant: str) -> str:
    return VARIANTS[variant][0]


def _pages(pdf: bytes, dpi: int, grey: bool) -> list[np.ndarray]:
    document = pdfium.PdfDocument(pdf)
    try:
        result = []
        for index in range(len(document)):
            bitmap = document[index].render(scale=dpi / 72, grayscale=grey)
            result.append(np.array(bitmap.to_pil().convert("L" if grey else "RGB")))
        return result
    finally:
        document.close()


def _rotate(image: np.ndarray, angle: float, fill: int = 255) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(fill, fill, fill)
    )


def _scan(image: np.ndarray, rng: random.Random, variant: str) -> np.ndarray:
    np_rng = np.random.default_rng(rng.randint(0, 2**31))
    if variant in ("scan-tilt", "scan-150dpi", "scan-noisy", "scan-jpeg"):
        image = _rotate(image, rng.choice([-1, 1]) * rng.uniform(1.0, 4.0))
    elif variant != "scan-clean":
        image = _rotate(image, rng.uniform(-0.8, 0.8))
    if variant == "scan-upside":
        image = cv2.rotate(image, cv2.ROTATE_180)
    if variant == "scan-sideways":
        image = cv2.rotate(
            image, rng.choice([cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE])
        )
    sigma = {"scan-noisy": 14.0, "scan-clean": 3.0}.get(variant, 7.0)
    noisy = image.astype(np.float32) * rng.uniform(0.9, 1.0) + np_rng.normal(8, sigma, image.shape)
    if variant == "scan-noisy":
        noisy = cv2.GaussianBlur(noisy, (3, 3), 0.9)
        specks = np_rng.random(image.shape) < 0.0008
        noisy[specks] = 30
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _photo(image: np.ndarray, rng: random.Random, variant: str) -> np.ndarray:
    """The page photographed on a desk: a darker background, at an angle, uneven light."""
    np_rng = np.random.default_rng(rng.randint(0, 2**31))
    height, width = image.shape[:2]
    pad = int(width * 0.12)
    canvas_w, canvas_h = width + 2 * pad, height + 2 * pad
    desk = np.array([rng.randint(60, 110), rng.randint(55, 95), rng.randint(45, 80)], np.uint8)
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])

    def jitter(x: float, y: float) -> list[float]:
        return [x + rng.uniform(-0.07, 0.07) * width, y + rng.uniform(-0.05, 0.05) * height]

    target = np.float32(
        [
            jitter(pad, pad),
            jitter(pad + width, pad),
            jitter(pad + width, pad + height),
            jitter(pad, pad + height),
        ]
    )
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(
        image, matrix, (canvas_w, canvas_h), borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0)
    )
    mask = cv2.warpPerspective(
        np.full((height, width), 255, np.uint8), matrix, (canvas_w, canvas_h)
    )
    background = np.empty_like(warped)
    background[:] = desk
    photo = np.where(mask[..., None] > 0, warped, background).astype(np.float32)
    # light from one side: a gradient from full to dim, stronger for "photo-dim"
    low = rng.uniform(0.45, 0.6) if variant == "photo-dim" else rng.uniform(0.7, 0.85)
    ys, xs = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xs / canvas_w + np.sin(angle) * ys / canvas_h + 1) / 2
    light = low + (1 - low) * ramp
    photo = photo * light[..., None] * np.float32([1.0, 0.97, 0.9])  # warm light
    photo += np_rng.normal(0, 5, photo.shape)
    photo = cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.6, 1.1))
    return np.clip(photo, 0, 255).astype(np.uint8)


def degrade(pdf: bytes, variant: str, seed: int) -> bytes:
    """The file a scanner or a phone would give of ``pdf``: an image-only PDF (every page) or a
    picture of the first page."""
    rng = random.Random(seed)
    output, dpi = VARIANTS[variant]
    photo = kind(variant) == "photo"
    pages = _pages(pdf, dpi, grey=not photo)
    if output != "pdf":
        pages = pages[:1]
    degraded = [_photo(p, rng, variant) if photo else _scan(p, rng, variant) for p in pages]
    pictures = [Image.fromarray(p) for p in degraded]
    buffer = io.BytesIO()
    if output == "pdf":
        pictures[0].save(
            buffer, format="PDF", resolution=dpi, save_all=True, append_images=pictures[1:]
        )
    elif output == "png":
        pictures[0].save(buffer, format="PNG")
    elif output == "jpeg":
        quality = 35 if variant == "scan-jpeg" else rng.randint(70, 88)
        pictures[0].save(buffer, format="JPEG", quality=quality)
    elif output == "webp":
        pictures[0].save(buffer, format="WEBP", quality=80)
    else:
        import pillow_heif

        heif = pillow_heif.from_pillow(pictures[0])
        heif.save(buffer, quality=80)
    return buffer.getvalue()
