"""A value read from a scan or a photo keeps its box where it stands on the original picture,
not on the page as prepared for OCR (turned, cropped out of the photo, enlarged, deskewed):
the review screen draws that box over the original.

The truth is the text PDF the picture was rendered from: pdfplumber's box of the value, in
points, carried through the known degradation onto the degraded picture.
"""

import cv2
import numpy as np
import pytest

from apps.documents.extraction.files import ocr_image_words, pdf_text
from apps.documents.extraction.layout import read
from apps.documents.extraction.text import Hints
from apps.documents.extraction.words import Box
from tests.conftest import require_tesseract
from tests.documents import degraded, samples

OURS = Hints(own_vat_ids=frozenset({"BE0412345614"}), own_names=("Bakkerij Test BV",))
NL = next(sample for sample in samples.SAMPLES if sample.name == "nl_mixed_rates")
DPI = 200
FIELDS = ("number", "total_incl_vat")


@pytest.fixture(scope="module")
def truth() -> dict[str, Box]:
    """The boxes of the fields on the text PDF (points)."""
    text = pdf_text(samples.pdf(NL), with_words=True)
    found = read(text.text, text.words, hints=OURS, source="pdf_text")
    return {name: found.fields[name].box for name in FIELDS}


def centre_on(box: Box, matrix: np.ndarray) -> np.ndarray:
    """The centre of a box in points, on a picture rendered at DPI then moved by ``matrix``."""
    scale = DPI / 72
    centre = np.array([(box.x0 + box.x1) / 2 * scale, (box.top + box.bottom) / 2 * scale, 1.0])
    moved = matrix @ centre
    return moved[:2] / moved[2]


def read_boxes(picture: bytes) -> dict[str, Box]:
    text, words = ocr_image_words(picture)
    found = read(text, words, hints=OURS, source="ocr")
    assert {name: found.value(name) for name in FIELDS} == {
        "number": NL.number,
        "total_incl_vat": NL.gross,
    }
    return {name: found.fields[name].box for name in FIELDS}


def assert_lands_on(box: Box, expected: np.ndarray, picture: np.ndarray) -> None:
    """The box is in the picture's pixels and its centre within a line's height of where the
    value stands."""
    height, width = picture.shape[:2]
    assert (box.unit, box.page_width, box.page_height) == ("px", width, height)
    centre = np.array([(box.x0 + box.x1) / 2, (box.top + box.bottom) / 2])
    line = 12 / 72 * DPI * max(width, height) / 2339  # 12 pt at the picture's resolution
    assert np.linalg.norm(centre - expected) < line, (centre, expected)


def test_box_of_a_scan_turned_skewed_and_enlarged_lands_on_the_original(truth):
    """Scanned at half the resolution (so small print is enlarged for OCR), a quarter turn
    off (turned back by orientation detection) and skewed by 3 degrees (deskewed)."""
    require_tesseract("nld", "fra", "eng", "osd")
    page = degraded.page(NL, DPI)
    small = cv2.resize(page, (page.shape[1] // 2, page.shape[0] // 2), interpolation=cv2.INTER_AREA)
    turned = degraded.turned(small, 90)
    picture = degraded.skewed(turned, 3)
    # the degradation as a matrix: halved, turned a quarter clockwise, then skewed
    halve = np.diag([0.5, 0.5, 1.0])
    turn = np.array([[0, -1, small.shape[0]], [1, 0, 0], [0, 0, 1]], float)
    skew = np.vstack(
        [
            cv2.getRotationMatrix2D((turned.shape[1] / 2, turned.shape[0] / 2), 3, 1.0),
            [0, 0, 1],
        ]
    )
    degradation = skew @ turn @ halve

    boxes = read_boxes(degraded.encoded(picture))

    for name in FIELDS:
        assert_lands_on(boxes[name], centre_on(truth[name], degradation), picture)


@pytest.mark.slow
def test_box_of_a_photographed_page_lands_on_the_photo(truth):
    """Photographed at an angle on a desk: the page cut out of the photo by a perspective
    warp; its boxes map back onto the photo."""
    require_tesseract("nld", "fra", "eng")
    page = degraded.page(NL, DPI)
    photo = degraded.photographed(page)
    degradation = degraded.photo_matrix(page.shape[1], page.shape[0])

    boxes = read_boxes(degraded.jpeg(photo, quality=80))

    for name in FIELDS:
        assert_lands_on(boxes[name], centre_on(truth[name], degradation), photo)


@pytest.mark.slow
def test_box_of_a_scanned_pdf_page_is_in_the_page_points(truth):
    """A PDF holding only a picture of the page, skewed: the box in the page's points, where
    the text PDF has the value."""
    require_tesseract("nld", "fra", "eng")
    picture = degraded.skewed(degraded.page(NL, DPI), 2)

    text = pdf_text(degraded.scanned_pdf(picture, dpi=DPI), with_words=True)
    found = read(text.text, text.words, hints=OURS, source="ocr")

    skew = np.vstack(
        [cv2.getRotationMatrix2D((picture.shape[1] / 2, picture.shape[0] / 2), 2, 1.0), [0, 0, 1]]
    )
    for name in FIELDS:
        box = found.fields[name].box
        assert box.unit == "pt"
        assert box.page_width == pytest.approx(picture.shape[1] * 72 / DPI, abs=1)
        expected = centre_on(truth[name], skew) * 72 / DPI  # on the skewed picture, in points
        centre = np.array([(box.x0 + box.x1) / 2, (box.top + box.bottom) / 2])
        assert np.linalg.norm(centre - expected) < 6, (name, centre, expected)
