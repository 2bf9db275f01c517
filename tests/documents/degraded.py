"""The rendered sample invoices as scanners and phones deliver them: turned a quarter or half
way, slightly skewed, photographed at an angle on a dark desk under uneven light, scanned at a
low resolution, noisy and heavily compressed, saved as HEIC or WebP.

Each degradation is deterministic (a fixed random seed), so a test that reads one of them
reads the same pixels every time.
"""

import io

import cv2
import numpy as np

from tests.documents import samples


def page(sample: samples.Sample, dpi: int = 200) -> np.ndarray:
    """The sample rendered as a greyscale page (white paper, black print)."""
    data = np.frombuffer(samples.png(sample, dpi), dtype=np.uint8)
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)


def encoded(image: np.ndarray, extension: str = ".png", **params: int) -> bytes:
    flags = [value for pair in params.items() for value in (getattr(cv2, pair[0]), pair[1])]
    ok, buffer = cv2.imencode(extension, image, flags)
    assert ok
    return buffer.tobytes()


def turned(image: np.ndarray, degrees: int) -> np.ndarray:
    """The page scanned upside down (180) or sideways (90: a quarter turn clockwise)."""
    codes = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }
    return cv2.rotate(image, codes[degrees])


def skewed(image: np.ndarray, degrees: float) -> np.ndarray:
    """The page fed askew into the scanner: turned by a few degrees, white around it."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(255,)
    )


def uneven_light(image: np.ndarray, darkest: float = 0.35) -> np.ndarray:
    """A shadow across the page: full light at the top left corner, ``darkest`` of it at the
    bottom right, as under a desk lamp or the photographer's own shadow."""
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.0 - (1.0 - darkest) * (0.5 * xs / width + 0.5 * ys / height) ** 1.5
    return np.clip(image.astype(np.float32) * light, 0, 255).astype(np.uint8)


def noisy(image: np.ndarray, sigma: float = 30.0, seed: int = 13) -> np.ndarray:
    """Sensor noise: gaussian grain over the whole picture."""
    grain = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image.astype(np.float32) + grain, 0, 255).astype(np.uint8)


def photo_matrix(width: int, height: int) -> np.ndarray:
    """Where ``photographed`` puts a page of this size: the perspective matrix from the page
    to the photo."""
    margin_x, margin_y = width // 4, height // 5
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    # the far edge of the page looks narrower than the near one
    # and the phone is held a little turned
    target = np.float32(
        [
            [margin_x + 0.16 * width, margin_y + 0.08 * height],
            [margin_x + 0.90 * width, margin_y - 0.02 * height],
            [margin_x + 1.08 * width, margin_y + 0.96 * height],
            [margin_x - 0.08 * width, margin_y + 1.06 * height],
        ]
    )
    return cv2.getPerspectiveTransform(corners, target)


def photographed(image: np.ndarray, seed: int = 13) -> np.ndarray:
    """The page photographed at an angle, lying on a dark desk, under uneven light: a colour
    picture larger than the page, the page a quadrilateral somewhere in it."""
    height, width = image.shape[:2]
    margin_x, margin_y = width // 4, height // 5
    canvas_size = (width + 2 * margin_x, height + 2 * margin_y)
    rng = np.random.default_rng(seed)
    matrix = photo_matrix(width, height)
    desk = rng.normal(55, 12, (canvas_size[1], canvas_size[0])).astype(np.float32)
    desk = cv2.GaussianBlur(desk, (0, 0), 3)
    warped = cv2.warpPerspective(
        image, matrix, canvas_size, flags=cv2.INTER_LINEAR, borderValue=(0,)
    ).astype(np.float32)
    mask = cv2.warpPerspective(
        np.full(image.shape[:2], 255, np.uint8), matrix, canvas_size, flags=cv2.INTER_LINEAR
    ).astype(np.float32)
    mask /= 255.0
    grey = warped * mask + desk * (1.0 - mask)
    grey = uneven_light(np.clip(grey, 0, 255).astype(np.uint8), darkest=0.45)
    grey = cv2.GaussianBlur(grey, (0, 0), 0.8)
    grey = noisy(grey, sigma=6.0, seed=seed)
    # a warm cast, as under a lamp
    tint = np.float32([0.85, 0.95, 1.0])  # blue, green, red
    return (grey[:, :, None].astype(np.float32) * tint).astype(np.uint8)


def jpeg(image: np.ndarray, quality: int = 25) -> bytes:
    return encoded(image, ".jpg", IMWRITE_JPEG_QUALITY=quality)


def webp(image: np.ndarray, quality: int = 60) -> bytes:
    return encoded(image, ".webp", IMWRITE_WEBP_QUALITY=quality)


def heic(image: np.ndarray, quality: int = 60) -> bytes:
    """As an iPhone saves its photos: HEIC (HEVC inside an ISO media file)."""
    import pillow_heif
    from PIL import Image

    rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image[:, :, ::-1]
    buffer = io.BytesIO()
    # x265's fastest preset: its default one takes a minute for a 12-megapixel photo
    pillow_heif.from_pillow(Image.fromarray(np.ascontiguousarray(rgb))).save(
        buffer, quality=quality, enc_params={"preset": "ultrafast"}
    )
    return buffer.getvalue()


def scanned_pdf(image: np.ndarray, dpi: int = 200) -> bytes:
    """A PDF holding only this picture, as a scanner makes it."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).convert("RGB").save(buffer, format="PDF", resolution=dpi)
    return buffer.getvalue()
