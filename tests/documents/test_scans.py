"""Scans and phone photos are read right: invoices rendered from known values, then turned,
skewed, shadowed, photographed on a desk, scanned at a low resolution or saved as HEIC and
WebP, come out with the same fields through the real reader (Tesseract).

Each OCR test covers one preprocessing step (``apps.documents.extraction.scan``) or
orientation detection and fails without it: the degradation is one that Tesseract alone
misreads.
"""

import io

import numpy as np
import pytest
from PIL import Image

from apps.documents.extraction import scan
from apps.documents.extraction.files import ExtractionError, ocr_image, pdf_text
from apps.documents.extraction.text import SURE, Hints, extract_from_text
from tests.conftest import require_tesseract
from tests.documents import degraded, samples

OURS = Hints(own_vat_ids=frozenset({"BE0412345614"}), own_names=("Bakkerij Test BV",))
LANGUAGES = ("nld", "fra", "eng")
NL = next(sample for sample in samples.SAMPLES if sample.name == "nl_mixed_rates")
FR = next(sample for sample in samples.SAMPLES if sample.name == "fr_standard")


FIELD_NAMES = (
    "supplier",
    "vat_id",
    "number",
    "issue_date",
    "due_date",
    "net",
    "vat",
    "gross",
    "iban",
    "ogm",
)


def fields(text: str) -> dict[str, object]:
    found = extract_from_text(text, hints=OURS, source="ocr")
    return {
        "supplier": found.value("counterparty_name"),
        "vat_id": found.value("counterparty_vat_id"),
        "number": found.value("number"),
        "issue_date": found.value("issue_date"),
        "due_date": found.value("due_date"),
        "net": found.value("total_excl_vat"),
        "vat": found.value("total_vat"),
        "gross": found.value("total_incl_vat"),
        "iban": found.value("counterparty_iban"),
        "ogm": found.value("structured_communication") or "",
    }


def expected(sample: samples.Sample) -> dict[str, object]:
    """What ``fields`` should give: the sample's truth, for the fields it reads."""
    truth = sample.truth()
    return {name: truth[name] for name in FIELD_NAMES}


def scanned_text(data: bytes) -> str:
    read = pdf_text(data)
    assert read.ocr
    return read.text


# Orientation detection (tesseract OSD)


@pytest.mark.slow
def test_page_photographed_a_quarter_turn_off_is_read_upright():
    require_tesseract(*LANGUAGES, "osd")
    picture = degraded.encoded(degraded.turned(degraded.page(NL), 90))
    assert fields(ocr_image(picture)) == expected(NL)


@pytest.mark.slow
def test_page_scanned_upside_down_is_read_upright():
    require_tesseract(*LANGUAGES, "osd")
    scanned = degraded.scanned_pdf(degraded.turned(degraded.page(FR), 180))
    assert fields(scanned_text(scanned)) == expected(FR)


# Deskew


@pytest.mark.slow
def test_page_fed_askew_into_the_scanner_is_straightened():
    require_tesseract(*LANGUAGES)
    scanned = degraded.scanned_pdf(degraded.skewed(degraded.page(NL), 3))
    assert fields(scanned_text(scanned)) == expected(NL)


# Light evened out before the threshold


@pytest.mark.slow
def test_shadow_across_the_page_is_evened_out():
    require_tesseract(*LANGUAGES)
    picture = degraded.jpeg(degraded.uneven_light(degraded.page(NL)), quality=40)
    assert fields(ocr_image(picture)) == expected(NL)


# Thresholded to black on white


@pytest.mark.slow
def test_grainy_heavily_compressed_picture_is_cleaned_to_black_on_white():
    require_tesseract(*LANGUAGES)
    picture = degraded.jpeg(degraded.noisy(degraded.page(NL), sigma=50), quality=15)
    assert fields(ocr_image(picture)) == expected(NL)


# The page cropped out of a photo and seen square on


@pytest.mark.slow
def test_photo_of_the_page_on_a_desk_is_cropped_and_squared():
    require_tesseract(*LANGUAGES)
    picture = degraded.jpeg(degraded.photographed(degraded.page(FR)), quality=40)
    assert fields(ocr_image(picture)) == expected(FR)


# Small print enlarged


@pytest.mark.slow
def test_small_print_scanned_at_low_resolution_is_enlarged():
    require_tesseract(*LANGUAGES)
    # 11 pt print at 100 dpi: as many pixels a letter as 7 pt print scanned at 150 dpi (a
    # picture: in a PDF, pdfium already renders it at 200 dpi)
    picture = degraded.encoded(degraded.page(NL, dpi=100))
    assert fields(ocr_image(picture)) == expected(NL)


# Light print on a coloured band or sidebar


def _page_with_a_dark_sidebar(dpi: int) -> np.ndarray:
    """A page whose seller stands in white on a dark sidebar, as modern templates print it."""
    import pdfplumber
    from weasyprint import HTML

    html = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
    @page { size: A4; margin: 0; } body { font-family: DejaVu Sans; font-size: 11pt; margin: 0; }
    .side { position: absolute; left: 0; top: 0; bottom: 0; width: 70mm; padding: 15mm 6mm;
    background: #2e4b6b; color: white; } .main { margin-left: 85mm; padding-top: 15mm; }
    </style></head><body><div class="side"><b>Drukkerij Van Damme NV</b><br>Stationsstraat 10
    <br>9000 Gent<br><br>BTW BE0812345603<br><br>IBAN BE56 3631 2345 6788<br>BIC BBRUBEBB</div>
    <div class="main"><h1>FACTUUR</h1>Factuurnummer: 2026-0131<br>Klant: Bakkerij Test BV<br>
    BTW BE0412345614<br><br>Totaal excl. btw € 1.000,00<br>Btw 21 % € 210,00<br>
    Totaal incl. btw € 1.210,00</div></body></html>"""
    with pdfplumber.open(io.BytesIO(HTML(string=html).write_pdf())) as document:
        image = document.pages[0].to_image(resolution=dpi).original
    return np.asarray(image.convert("L"))


@pytest.mark.slow
def test_white_print_on_a_dark_sidebar_is_read():
    require_tesseract(*LANGUAGES)
    picture = degraded.encoded(degraded.skewed(_page_with_a_dark_sidebar(150), 1))
    found = extract_from_text(ocr_image(picture), hints=OURS, source="ocr")
    assert found.value("counterparty_vat_id") == "BE0812345603"
    assert found.value("counterparty_iban") == "BE56363123456788"


def test_a_dark_sidebar_is_turned_negative_and_the_rest_of_the_page_is_not():
    page = _page_with_a_dark_sidebar(100)
    result = scan.light_print_made_dark(page)
    width = page.shape[1]
    side, rest = slice(0, int(width * 0.2)), slice(int(width * 0.4), width)
    assert np.median(page[:, side]) < 100 < np.median(result[:, side])
    assert np.array_equal(result[:, rest], page[:, rest])


def test_a_shadow_over_dark_print_is_left_as_it_is():
    shadowed = degraded.uneven_light(degraded.page(NL, dpi=100), darkest=0.3)
    assert np.array_equal(scan.light_print_made_dark(shadowed), shadowed)


# Phone formats


@pytest.mark.slow
@pytest.mark.parametrize("encode", [degraded.heic, degraded.webp], ids=["heic", "webp"])
def test_phone_photo_in_heic_or_webp_is_read(encode):
    require_tesseract(*LANGUAGES)
    picture = encode(degraded.photographed(degraded.page(FR)))
    assert fields(ocr_image(picture)) == expected(FR)


def test_heic_photo_over_the_pixel_budget_is_refused_before_decoding(settings):
    require_tesseract(*LANGUAGES)
    settings.OCR_MAX_PIXELS = 10_000
    picture = degraded.heic(np.full((200, 100), 255, np.uint8))
    with pytest.raises(ExtractionError) as raised:
        ocr_image(picture)
    assert raised.value.code == "image_too_large"


# The steps on their own: measured right, and never failing on odd pictures


def test_page_is_cut_out_of_a_photo_with_the_proportions_of_a_4():
    photo = degraded.photographed(degraded.page(FR))
    grey = np.asarray(Image.fromarray(photo[:, :, ::-1]).convert("L"))
    page = scan.crop_page(grey)
    height, width = page.shape
    assert height * width < 0.6 * grey.shape[0] * grey.shape[1]
    assert height / width == pytest.approx(297 / 210, rel=0.1)


def test_a_scan_is_not_cropped():
    page = degraded.page(FR)
    assert scan.crop_page(page) is page


@pytest.mark.parametrize("degrees", [-3.0, 2.0, 6.5])
def test_skew_is_measured_to_a_tenth_of_a_degree(degrees):
    page = degraded.skewed(degraded.page(NL, dpi=100), degrees)
    assert scan.skew_angle(page) == pytest.approx(-degrees, abs=0.15)


def test_a_page_lying_sideways_is_told_from_an_upright_one():
    page = degraded.page(FR, dpi=100)
    assert not scan.lies_sideways(Image.fromarray(page))
    assert not scan.lies_sideways(Image.fromarray(degraded.turned(page, 180)))
    assert scan.lies_sideways(Image.fromarray(degraded.turned(page, 90)))
    assert scan.lies_sideways(Image.fromarray(degraded.turned(page, 270)))


def test_small_print_is_enlarged_within_the_pixel_budget():
    page = degraded.page(NL, dpi=100)
    pixels = page.shape[0] * page.shape[1]
    enlarged = scan.enlarge_small_print(page, max_pixels=2 * pixels)
    assert pixels < enlarged.shape[0] * enlarged.shape[1] <= 2 * pixels
    assert scan.enlarge_small_print(degraded.page(NL), max_pixels=10 * pixels).shape == (
        degraded.page(NL).shape
    )


def _odd_pictures() -> list[tuple[str, Image.Image]]:
    rng = np.random.default_rng(1)
    return [
        ("one pixel", Image.new("L", (1, 1), 255)),
        ("one row", Image.new("L", (5000, 1), 0)),
        ("one column", Image.new("1", (1, 5000), 1)),
        ("all black", Image.new("L", (500, 700), 0)),
        ("all white", Image.new("RGB", (700, 500), "white")),
        ("grain", Image.fromarray(rng.integers(0, 256, (400, 300), dtype=np.uint8))),
        ("transparent", Image.new("RGBA", (300, 300), (0, 0, 0, 0))),
        ("palette", Image.new("P", (300, 300), 3)),
        ("16 bit", Image.new("I;16", (300, 300), 40_000)),
        ("cmyk", Image.new("CMYK", (300, 300), (0, 0, 0, 255))),
        ("stripes", Image.fromarray(np.tile(np.uint8([0, 255]), (300, 150)))),
    ]


@pytest.mark.parametrize(
    "picture", [picture for _name, picture in _odd_pictures()], ids=[n for n, _p in _odd_pictures()]
)
def test_odd_pictures_pass_through_preprocessing(picture):
    prepared = scan.prepare(picture, max_pixels=1_000_000)
    assert prepared.mode == "L"
    assert prepared.size[0] * prepared.size[1] <= max(1_000_000, picture.size[0] * picture.size[1])
    scan.lies_sideways(prepared)


@pytest.mark.slow
@pytest.mark.parametrize(("encode", "kind"), [(degraded.heic, "heic"), (degraded.webp, "webp")])
def test_a_phone_photo_uploaded_as_heic_or_webp_is_read_and_enveloped_as_png(
    company, django_capture_on_commit_callbacks, encode, kind
):
    # Through the app: the upload takes it (it used to be refused as an unknown file), the
    # reader reads it, the envelope carries it as PNG (Peppol allows no HEIC or WebP) and the
    # original stays as it came.
    from apps.einvoice import from_xml
    from tests.documents.helpers import ingest_and_read, known_supplier

    require_tesseract(*LANGUAGES)
    known_supplier(company, FR.supplier, FR.supplier_vat)  # its name is sure, its VAT id checks
    picture = encode(degraded.photographed(degraded.page(FR)))
    document = ingest_and_read(
        company, picture, f"IMG_0042.{kind}", django_capture_on_commit_callbacks
    )
    assert document.file_kind == kind
    assert document.original.open("rb").read() == picture
    assert document.number == FR.number, document.problems
    assert document.total_incl_vat == FR.gross
    assert document.envelope, document.problems
    (attachment,) = from_xml(document.envelope.open("rb").read()).attachments
    assert attachment.mime_code == "image/png"


# Words with their boxes for the layout reader (one Tesseract pass gives text and words)


@pytest.mark.slow
def test_a_photo_is_read_with_the_word_boxes_of_the_page_as_prepared():
    from apps.documents.extraction.files import ocr_image_words
    from apps.documents.extraction.layout import read

    require_tesseract(*LANGUAGES, "osd")
    # given a page photographed a quarter turn off
    picture = degraded.encoded(degraded.turned(degraded.page(NL), 90))
    # when it is read with its words
    text, pages = ocr_image_words(picture)
    # then the words are those of the upright page that gave the text, in its pixels
    assert [page.unit for page in pages] == ["px"]
    assert pages[0].height > pages[0].width  # the upright page, not the photo lying sideways
    assert NL.number in " ".join(line.text for line in pages[0].lines)
    assert text == ocr_image(picture)
    # and the layout reader finds the values with where they stand; OCR was sure of every
    # letter of the number and the totals add up, so both are as sure as in a text PDF
    found = read(text, pages, hints=OURS, source="ocr")
    assert found.value("number") == NL.number
    assert found.value("total_incl_vat") == NL.gross
    assert found.fields["number"].box is not None
    assert found.fields["number"].confidence >= SURE
    assert found.fields["total_incl_vat"].confidence >= SURE


@pytest.mark.slow
def test_a_scanned_pdf_comes_with_the_words_of_its_ocr_pages():
    require_tesseract(*LANGUAGES)
    # given a PDF that is only the picture of a page
    data = degraded.scanned_pdf(degraded.skewed(degraded.page(FR), 3))
    # when its text is asked with the words
    read = pdf_text(data, with_words=True)
    # then the OCR'd page brings its words, in pixels, and the same text as without words
    assert read.ocr
    assert [(page.index, page.unit) for page in read.words] == [(0, "px")]
    assert read.text == pdf_text(data).text
    assert FR.number in " ".join(line.text for line in read.words[0].lines)
