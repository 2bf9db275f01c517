"""Scans and phone photos made readable before OCR: the page cropped out of a photo and
straightened, light print on a coloured band or sidebar turned dark, small print enlarged, a
skewed page turned level, the light evened out and the page reduced to black print on white
paper.

Pure functions on greyscale pictures (numpy arrays of ``uint8``): a picture in, a picture
out. Each step works on the picture it is given plus a few copies of the same size (a
reduced copy where it only needs to look), so time and memory grow with the pixels and never
with what the picture shows; the only step that enlarges a picture keeps it within
``max_pixels``. A step that fails on an odd picture (blank, tiny, one pixel high, all black)
gives back the picture it was given: preprocessing never makes a picture unreadable that
Tesseract could read as it was.

``prepare_mapped`` also says where the prepared page lies on the original: the steps that move
pixels (a quarter turn, the perspective warp of a photo's page, the enlargement, the deskew)
each give their matrix, and their product maps a point of the original (upright as its EXIF
says) onto the prepared page; its inverse takes a word Tesseract found back onto the original,
so that the review screen can show it there.
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from celery.exceptions import SoftTimeLimitExceeded

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

logger = logging.getLogger(__name__)

Grey = np.ndarray  # 2-D uint8: 0 black, 255 white
# A 3×3 homography (float64) that maps a point (x, y, 1) of one picture onto another, in pixel
# edges: (0, 0) is the top left corner of the first pixel, (width, height) the bottom right
# corner of the last one.
Matrix = np.ndarray

# Below this many pixels on a side a picture is left as it is: too small to hold a page.
MIN_SIDE = 64
# The reduced copy a step looks at to find the page or measure the skew.
LOOK_SIDE = 1000
# Print whose median character is lower than this (in pixels) is enlarged towards TEXT_HEIGHT
# (the median of capitals, small letters and digits): 11 pt print at 150 dpi measures 17 px
# and reads well; at 100 dpi (or 7 pt print at 150 dpi) 11 px, and Tesseract misreads digits
# of VAT numbers and structured communications until it is enlarged about twice.
MIN_TEXT_HEIGHT = 16
TEXT_HEIGHT = 24
MAX_UPSCALE = 3.0
# An enlarged page has at most this many pixels (an A4 page at 300 dpi has 8.7 million):
# Tesseract's time grows with the pixels, so a photo whose print was mismeasured (grain
# taken for letters) costs seconds, never a minute.
ENLARGED_MAX_PIXELS = 10_000_000
# A skew smaller than this is left alone (turning a page costs a little sharpness).
MIN_SKEW = 0.3
MAX_SKEW = 10.0


def prepare(picture: "Picture", *, max_pixels: int, turn: int = 0) -> "Picture":
    """The picture ready for OCR: upright as its EXIF says (then turned clockwise by
    ``turn`` degrees, as orientation detection asked), the page cropped out of a photo,
    light evened out, small print enlarged (within ``max_pixels``), deskewed and
    thresholded to black on white. Any step that
    cannot be done is skipped; the result is never less readable than a plain greyscale
    copy."""
    return prepare_mapped(picture, max_pixels=max_pixels, turn=turn).picture


@dataclass
class Prepared:
    """A page prepared for OCR and where it lies on the original picture."""

    picture: "Picture"
    # maps a point of the original (upright as its EXIF says) onto ``picture``
    matrix: Matrix
    original_size: tuple[int, int]  # (width, height) of the original, upright

    def to_original(self, x0: float, top: float, x1: float, bottom: float) -> tuple[float, ...]:
        """A box of the prepared page on the original: the bounding box of its four corners
        mapped back (a box of a deskewed or perspective-cropped page is a tilted
        quadrilateral there), within the original's edges."""
        return box_on_original(np.linalg.inv(self.matrix), self.original_size, x0, top, x1, bottom)


def box_on_original(
    inverse: Matrix, size: tuple[float, float], x0: float, top: float, x1: float, bottom: float
) -> tuple[float, float, float, float]:
    """The bounding box (x0, top, x1, bottom) of a box's corners mapped by ``inverse``, within
    a picture of ``size`` (width, height)."""
    corners = np.array([[x0, top, 1], [x1, top, 1], [x1, bottom, 1], [x0, bottom, 1]], float)
    mapped = corners @ np.asarray(inverse, float).T
    xs, ys = mapped[:, 0] / mapped[:, 2], mapped[:, 1] / mapped[:, 2]
    width, height = size
    return (
        float(np.clip(xs.min(), 0, width)),
        float(np.clip(ys.min(), 0, height)),
        float(np.clip(xs.max(), 0, width)),
        float(np.clip(ys.max(), 0, height)),
    )


def prepare_mapped(picture: "Picture", *, max_pixels: int, turn: int = 0) -> Prepared:
    """``prepare``, and the matrix from the original (upright as its EXIF says) to the
    prepared page."""
    from PIL import Image, ImageOps

    try:
        upright = ImageOps.exif_transpose(picture)
        grey = np.asarray(upright.convert("L"))
        size = (grey.shape[1], grey.shape[0])
        matrix = turn_matrix(grey.shape, turn)
        grey = rotate(grey, turn)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        logger.warning("picture can't be prepared for OCR", exc_info=True)
        plain = picture.convert("L")
        return Prepared(picture=plain, matrix=np.eye(3), original_size=plain.size)
    grey, matrix = _moving_step(_crop_page, grey, matrix)
    grey = _step(light_print_made_dark, grey)
    grey = _step(even_light, grey)
    grey, matrix = _moving_step(
        lambda image: _enlarge_small_print(image, max_pixels=max_pixels), grey, matrix
    )
    grey, matrix = _moving_step(_deskew, grey, matrix)
    grey = _step(threshold, grey)
    return Prepared(picture=Image.fromarray(grey), matrix=matrix, original_size=size)


def _moving_step(
    function: Callable[[Grey], tuple[Grey, Matrix]], image: Grey, matrix: Matrix
) -> tuple[Grey, Matrix]:
    """A step that moves pixels: its picture, and ``matrix`` followed by the step's own;
    ``image`` and ``matrix`` unchanged when the step fails or gives nonsense."""
    moved: list[Matrix] = []

    def step(grey: Grey) -> Grey:
        result, step_matrix = function(grey)
        moved[:] = [step_matrix]
        return result

    result = _step(step, image)
    if result is image or not moved:
        return image, matrix
    return result, moved[0] @ matrix


def _step(function: Callable[[Grey], Grey], image: Grey) -> Grey:
    """``function(image)``, or ``image`` itself when the step fails or gives nonsense."""
    if image.ndim != 2 or min(image.shape) < MIN_SIDE:
        return image
    try:
        result = function(image)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        logger.warning("OCR preprocessing step failed; skipped", exc_info=True)
        return image
    if result.ndim != 2 or result.dtype != np.uint8 or min(result.shape) < MIN_SIDE:
        return image
    return result


def _reduced(image: Grey, side: int = LOOK_SIDE) -> tuple[Grey, float]:
    """A copy whose longer side is at most ``side``, and the factor it was reduced by."""
    height, width = image.shape
    factor = min(1.0, side / max(height, width))
    if factor == 1.0:
        return image, 1.0
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def turn_matrix(shape: tuple[int, ...], degrees: int) -> Matrix:
    """The matrix of ``rotate`` for a picture of ``shape`` (height, width)."""
    height, width = shape[:2]
    return {
        90: np.array([[0, -1, height], [1, 0, 0], [0, 0, 1]], float),
        180: np.array([[-1, 0, width], [0, -1, height], [0, 0, 1]], float),
        270: np.array([[0, 1, 0], [-1, 0, width], [0, 0, 1]], float),
    }.get(degrees % 360, np.eye(3))


def rotate(image: Grey, degrees: int) -> Grey:
    """The picture turned clockwise by a quarter, half or three quarters."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    code = codes.get(degrees % 360)
    return image if code is None else cv2.rotate(image, code)


def crop_page(image: Grey) -> Grey:
    """The page of a photo taken on a desk, cut out along its four corners and seen square on
    (a perspective warp); the picture unchanged when no page stands out from a darker
    background (a scan, where the page fills the picture)."""
    return _crop_page(image)[0]


def _crop_page(image: Grey) -> tuple[Grey, Matrix]:
    """``crop_page`` and its perspective matrix (the identity when the picture is left)."""
    unchanged = image, np.eye(3)
    small, factor = _reduced(image)
    area = small.shape[0] * small.shape[1]
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    # the print disappears into the paper, so the page is one bright shape
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    closed = cv2.morphologyEx(blurred, cv2.MORPH_CLOSE, kernel)
    _threshold, mask = cv2.threshold(closed, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _hierarchy = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return unchanged
    contour = max(contours, key=cv2.contourArea)
    contour_area = cv2.contourArea(contour)
    # a page between a fifth of the photo and almost all of it (a scan fills the picture)
    if not 0.2 * area <= contour_area <= 0.9 * area:
        return unchanged
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for tolerance in (0.02, 0.03, 0.05):
        corners = cv2.approxPolyDP(hull, tolerance * perimeter, True)
        if len(corners) == 4:
            break
    else:
        return unchanged
    quad = _ordered(corners.reshape(4, 2).astype(np.float32) / factor)
    if quad is None:
        return unchanged
    inside = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(inside, (quad * factor).astype(np.int32), 255)
    page_light = cv2.mean(small, mask=inside)[0]
    desk_light = cv2.mean(small, mask=cv2.bitwise_not(inside))[0]
    if page_light < desk_light + 30:  # not paper on a darker desk
        return unchanged
    top, right, bottom, left = (
        float(np.linalg.norm(quad[1] - quad[0])),
        float(np.linalg.norm(quad[2] - quad[1])),
        float(np.linalg.norm(quad[2] - quad[3])),
        float(np.linalg.norm(quad[3] - quad[0])),
    )
    # the mean of opposite sides: the near edge of a page looks longer than the far one
    width, height = (top + bottom) / 2, (left + right) / 2
    # never more pixels than the photo had
    shrink = min(1.0, math.sqrt(image.shape[0] * image.shape[1] / (width * height)))
    width, height = max(1, int(width * shrink)), max(1, int(height * shrink))
    square = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad, square)
    warped = cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return warped, matrix.astype(float)


def _ordered(corners: np.ndarray) -> np.ndarray | None:
    """Four corners as top left, top right, bottom right, bottom left; None for a page
    turned so far (about 45 degrees) that they cannot be told apart."""
    total = corners.sum(axis=1)
    difference = np.diff(corners, axis=1).ravel()
    order = [
        int(np.argmin(total)),
        int(np.argmin(difference)),
        int(np.argmax(total)),
        int(np.argmax(difference)),
    ]
    if len(set(order)) != 4:
        return None
    return np.array([corners[index] for index in order], dtype=np.float32)


def text_height(image: Grey) -> float | None:
    """The median height in pixels of the characters (the dark specks of about a letter's
    shape), or None when there are too few to tell."""
    _threshold, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    areas = stats[1:, cv2.CC_STAT_AREA]
    fill = areas / np.maximum(1, heights * widths)
    # letters of print down to 6 px (smaller ones are specks of grain or punctuation)
    letters = heights[(heights >= 6) & (heights <= 200) & (widths <= 3 * heights) & (fill >= 0.15)]
    if letters.size < 20:
        return None
    return float(np.median(letters))


def enlarge_small_print(image: Grey, *, max_pixels: int) -> Grey:
    """Low-resolution pages and small print enlarged so that a character is about
    ``TEXT_HEIGHT`` pixels high, as at 300 dpi, within ``max_pixels`` and
    ``ENLARGED_MAX_PIXELS``."""
    return _enlarge_small_print(image, max_pixels=max_pixels)[0]


def _enlarge_small_print(image: Grey, *, max_pixels: int) -> tuple[Grey, Matrix]:
    """``enlarge_small_print`` and its scale matrix."""
    height = text_height(image)
    if height is None or height >= MIN_TEXT_HEIGHT:
        return image, np.eye(3)
    pixels = image.shape[0] * image.shape[1]
    budget = min(max_pixels, ENLARGED_MAX_PIXELS)
    scale = min(TEXT_HEIGHT / height, MAX_UPSCALE, math.sqrt(budget / pixels))
    if scale < 1.1:
        return image, np.eye(3)
    size = (int(image.shape[1] * scale), int(image.shape[0] * scale))
    matrix = np.diag([size[0] / image.shape[1], size[1] / image.shape[0], 1.0])
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC), matrix


def skew_angle(image: Grey) -> float:
    """The angle in degrees (counter-clockwise) that turns the lines of print level, from
    the projection profile: level, the rows of a page alternate between print and blank
    paper, so the row sums vary the most."""
    small, _factor = _reduced(image)
    _threshold, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    height, width = ink.shape
    centre = (width / 2, height / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
        rows = cv2.reduce(turned, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).astype(np.float64)
        return float(np.sum(np.diff(rows.ravel()) ** 2))

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.5, 1.0), key=sharpness)
    fine = np.arange(best - 1.0, best + 1.01, 0.1)
    return float(max(fine, key=sharpness))


def lies_sideways(picture: "Picture") -> bool:
    """Whether the lines of print run down the page rather than across it (a page scanned
    or photographed a quarter turn off): the column sums of the print then vary more than
    the row sums. Cheap (a reduced copy), so that orientation detection runs only then."""
    try:
        small, _factor = _reduced(np.asarray(picture.convert("L")), 600)
        if min(small.shape) < MIN_SIDE // 2:
            return False
        _threshold, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        rows = cv2.reduce(ink, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).astype(np.float64).ravel()
        columns = cv2.reduce(ink, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).astype(np.float64).ravel()
        across = float(np.sum(np.diff(rows) ** 2)) / len(rows)
        down = float(np.sum(np.diff(columns) ** 2)) / len(columns)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        logger.warning("orientation check failed", exc_info=True)
        return False
    return down > SIDEWAYS * across


# How much more the columns must vary than the rows for a page to count as sideways.
SIDEWAYS = 1.5


def deskew(image: Grey) -> Grey:
    """The page turned level when its lines of print are tilted by a few degrees."""
    return _deskew(image)[0]


def _deskew(image: Grey) -> tuple[Grey, Matrix]:
    """``deskew`` and its rotation matrix."""
    angle = skew_angle(image)
    if abs(angle) < MIN_SKEW or abs(angle) > MAX_SKEW:
        return image, np.eye(3)
    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    turned = cv2.warpAffine(
        image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return turned, np.vstack([matrix, [0.0, 0.0, 1.0]])


# A region whose paper is darker than this share of the page's paper is a coloured band,
# sidebar or box (or a shadow); it is turned negative when its print is lighter than it.
DARK_PAPER = 0.6
# Up to its edges, a band's paper is darker than this share of the page's paper.
EDGE_PAPER = 0.85
# Light print must outnumber dark print in the region this many times to turn it negative.
LIGHT_PRINT = 2.0


def light_print_made_dark(image: Grey) -> Grey:
    """Light print on a dark band or sidebar (white letters on a company's colour) turned
    into dark print on light paper, so that evening the light out and thresholding keep it:
    they would take the band for paper and its letters for more paper. A dark region whose
    print is darker still (a shadow over a photographed page) stays as it is."""
    small, factor = _reduced(image, 600)
    side = max(small.shape)
    # the median over a window wider than letters: the paper (or band) under them
    background = cv2.medianBlur(small, max(3, side // 25) | 1)
    paper = float(np.percentile(background, 90))
    dark = (background < DARK_PAPER * paper).astype(np.uint8)
    if not dark.any():
        return image
    count, labels, stats, _centres = cv2.connectedComponentsWithStats(dark)
    limit = DARK_PAPER * paper
    difference = small.astype(np.int16) - background.astype(np.int16)
    result = image.copy()
    for label in range(1, count):
        if stats[label, cv2.CC_STAT_AREA] < 0.003 * small.size:
            continue
        region = labels == label
        light = int(np.count_nonzero(difference[region] > 40))
        dark_print = int(np.count_nonzero(difference[region] < -40))
        if light <= LIGHT_PRINT * max(dark_print, 1):
            continue
        # bands and sidebars are rectangles: the region's box, grown while the strip beside
        # it is still dark (the median window rounds and shrinks the region's corners)
        left, top = stats[label, cv2.CC_STAT_LEFT], stats[label, cv2.CC_STAT_TOP]
        right = left + stats[label, cv2.CC_STAT_WIDTH]
        bottom = top + stats[label, cv2.CC_STAT_HEIGHT]
        while top > 0 and np.median(small[top - 1, left:right]) < limit:
            top -= 1
        while bottom < small.shape[0] and np.median(small[bottom, left:right]) < limit:
            bottom += 1
        while left > 0 and np.median(small[top:bottom, left - 1]) < limit:
            left -= 1
        while right < small.shape[1] and np.median(small[top:bottom, right]) < limit:
            right += 1
        # inside the box, what lies on dark paper (a band printed askew leaves the box's
        # corners on white paper: turned black they would darken the threshold of the page)
        inside = np.zeros_like(dark)
        inside[top:bottom, left:right] = background[top:bottom, left:right] < EDGE_PAPER * paper
        y0, y1 = round(top / factor), round(bottom / factor)
        x0, x1 = round(left / factor), round(right / factor)
        mask = cv2.resize(
            inside[top:bottom, left:right], (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR
        ).astype(bool)
        box = result[y0:y1, x0:x1]
        box[mask] = 255 - box[mask]
    return result


def even_light(image: Grey) -> Grey:
    """The light evened out: each pixel divided by the paper's brightness around it
    (estimated on a reduced copy with the print closed over), so that paper in a shadow is as
    white as paper in full light and print as dark."""
    small, _factor = _reduced(image, 600)
    side = max(small.shape)
    size = max(3, side // 40) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    paper = cv2.medianBlur(paper, 5)
    paper = cv2.resize(paper, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(image, np.maximum(paper, 1), scale=255)


def threshold(image: Grey) -> Grey:
    """Black print on white paper, with one threshold for the page (Otsu's, once the light
    is even): paper and its grain or JPEG noise go white, print black. Pixels within
    ``RAMP`` of the threshold keep a grey level, the edges of letters that Tesseract's
    recogniser reads best with: a hard cut loses fields on low-resolution scans."""
    level, _black_and_white = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    low, high = max(0.0, level - RAMP), min(255.0, level + RAMP)
    table = np.clip((np.arange(256) - low) * 255 / max(1.0, high - low), 0, 255)
    return cv2.LUT(image, table.astype(np.uint8))


RAMP = 40
