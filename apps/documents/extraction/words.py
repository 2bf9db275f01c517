"""Words with their positions on the page, grouped into lines, phrases and blocks.

A text PDF gives its words through pdfium's characters grouped by pdfplumber's word
extractor (boxes in PDF points, origin top left); a
picture gives them through Tesseract's TSV output (boxes in pixels). Both end up in the same
shape, so the layout reader does not care where a word came from:

- a *phrase* is a run of words on one line without a wide gap (a label, a value, a cell);
- a *line* is the phrases that share a baseline, left to right;
- a *block* is phrases stacked closely in the same column (an address, a totals box).
"""

import csv
import io
import re
from dataclasses import dataclass, field, replace
from typing import Any

# A gap wider than this many line heights between two words starts a new phrase.
PHRASE_GAP = 1.0
# Phrases belong to one block when the gap between their lines is under this many heights.
BLOCK_GAP = 0.9
# Leaders: the dots or rules a form prints between a label and its value ("Factuurnr. .......
# 2026-0131"). They carry nothing, and a value after them must still stand right of its label.
_LEADERS = re.compile(r"^[.…_]+$")
_LEADERS_AT_ENDS = re.compile(r"^([.…_]{3,})?(.*?)([.…_]{3,})?$", re.DOTALL)
_LEADERS_IN_TEXT = re.compile(r"[.…_]{3,}|…+|(?:\. ){3,}\.?")


def blank_leaders(text: str) -> str:
    """``text`` with its leaders turned into spaces (the columns stay where they were)."""
    return _LEADERS_IN_TEXT.sub(lambda match: " " * len(match[0]), text)


@dataclass(frozen=True)
class Box:
    """Where something is: page index, and its edges in the page's unit (PDF points or
    pixels), with the page size so that a review screen can scale it onto a page image."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    page_width: float
    page_height: float
    unit: str = "pt"

    def as_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "x0": round(self.x0, 1),
            "top": round(self.top, 1),
            "x1": round(self.x1, 1),
            "bottom": round(self.bottom, 1),
            "page_width": round(self.page_width, 1),
            "page_height": round(self.page_height, 1),
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Placement:
    """Where the words of a page read by OCR lie on the original: the matrix (a 3×3
    homography) that takes a point of the picture Tesseract read (turned, cropped, enlarged
    and deskewed for it) back onto the original picture, or onto the PDF page the picture was
    rendered from, and that original's size and unit."""

    matrix: tuple[tuple[float, ...], ...]
    width: float
    height: float
    unit: str

    @classmethod
    def of(cls, matrix: Any, *, width: float, height: float, unit: str) -> "Placement":
        rows = tuple(tuple(float(value) for value in row) for row in matrix.tolist())
        return cls(matrix=rows, width=float(width), height=float(height), unit=unit)

    def box(self, box: Box) -> Box:
        """The box on the original: the bounding box of its four corners mapped back (a
        word of a deskewed page stands tilted there), within the page's edges."""
        xs, ys = [], []
        for x, y in (
            (box.x0, box.top),
            (box.x1, box.top),
            (box.x1, box.bottom),
            (box.x0, box.bottom),
        ):
            (a, b, c), (d, e, f), (g, h, i) = self.matrix
            w = g * x + h * y + i or 1e-9
            xs.append((a * x + b * y + c) / w)
            ys.append((d * x + e * y + f) / w)

        def within(value: float, limit: float) -> float:
            return min(max(value, 0.0), limit)

        return Box(
            page=box.page,
            x0=within(min(xs), self.width),
            top=within(min(ys), self.height),
            x1=within(max(xs), self.width),
            bottom=within(max(ys), self.height),
            page_width=self.width,
            page_height=self.height,
            unit=self.unit,
        )


@dataclass
class Candidate:
    """A value read somewhere on the page, with how sure the reader is of it (0..1)."""

    value: Any
    score: float
    box: Box | None
    how: str  # same (in the label's phrase), right, below, title, table, block


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    # how sure the OCR engine is of the word's letters (0..100); a PDF's text is what it says
    confidence: float = 100.0

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class Phrase:
    words: list[Word]
    line: int = 0  # index of its line on the page
    block: int = -1  # index of its block on the page

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass
class _Phrases:
    """Phrases that stand together (a line, a block), within the box around them."""

    phrases: list[Phrase]

    @property
    def x0(self) -> float:
        return min(phrase.x0 for phrase in self.phrases)

    @property
    def x1(self) -> float:
        return max(phrase.x1 for phrase in self.phrases)

    @property
    def top(self) -> float:
        return min(phrase.top for phrase in self.phrases)

    @property
    def bottom(self) -> float:
        return max(phrase.bottom for phrase in self.phrases)


@dataclass
class Line(_Phrases):
    @property
    def text(self) -> str:
        return "   ".join(phrase.text for phrase in self.phrases)


@dataclass
class Block(_Phrases):
    @property
    def text(self) -> str:
        return "\n".join(phrase.text for phrase in self.phrases)


@dataclass
class PageWords:
    index: int
    width: float
    height: float
    unit: str  # "pt" (PDF points) or "px" (pixels of the picture OCR read)
    lines: list[Line] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    # for a page read by OCR: how its boxes map back onto the original (the reader works on
    # the page as read, where lines of print are level; the review screen shows the original)
    placement: Placement | None = None

    @property
    def phrases(self) -> list[Phrase]:
        return [phrase for line in self.lines for phrase in line.phrases]

    def box(self, *items: Phrase | Word | Block) -> Box:
        return Box(
            page=self.index,
            x0=min(item.x0 for item in items),
            top=min(item.top for item in items),
            x1=max(item.x1 for item in items),
            bottom=max(item.bottom for item in items),
            page_width=self.width,
            page_height=self.height,
            unit=self.unit,
        )


def on_original(box: Box, pages: list[PageWords]) -> Box:
    """A box found on one of ``pages`` where it stands on the original document."""
    for page in pages:
        if page.index == box.page and page.placement is not None:
            return page.placement.box(box)
    return box


def _without_leaders(words: list[Word]) -> list[Word]:
    """The words without leaders: a word of dots only is left out, dots run onto a word's
    start or end are cut off (its box shrunk by their share of its letters)."""
    kept = []
    for word in words:
        if _LEADERS.match(word.text):
            continue
        match = _LEADERS_AT_ENDS.match(word.text)
        if match and (match[1] or match[3]) and match[2]:
            share = (word.x1 - word.x0) / len(word.text)
            word = replace(
                word,
                text=match[2],
                x0=word.x0 + share * len(match[1] or ""),
                x1=word.x1 - share * len(match[3] or ""),
            )
        kept.append(word)
    return kept


def group(words: list[Word], *, index: int, width: float, height: float, unit: str) -> PageWords:
    """Lines, phrases and blocks out of a page's words (leaders left out)."""
    page = PageWords(index=index, width=width, height=height, unit=unit)
    rows: list[list[Word]] = []
    for word in sorted(_without_leaders(words), key=lambda w: (w.top, w.x0)):
        middle = (word.top + word.bottom) / 2
        row = rows[-1] if rows else None
        if row is not None:
            top = min(w.top for w in row)
            bottom = max(w.bottom for w in row)
            if top <= middle <= bottom:
                row.append(word)
                continue
        rows.append([word])
    for row in rows:
        row.sort(key=lambda w: w.x0)
        phrases: list[Phrase] = []
        for word in row:
            last = phrases[-1].words[-1] if phrases else None
            if last is not None and word.x0 - last.x1 <= PHRASE_GAP * max(last.height, word.height):
                phrases[-1].words.append(word)
            else:
                phrases.append(Phrase(words=[word], line=len(page.lines)))
        page.lines.append(Line(phrases=phrases))
    _blocks(page)
    return page


def _blocks(page: PageWords) -> None:
    """Stack phrases that sit under one another in the same column into blocks."""
    open_blocks: list[Block] = []
    for line in page.lines:
        for phrase in line.phrases:
            best = None
            for block in open_blocks:
                last = block.phrases[-1]
                if last.line == phrase.line:
                    continue
                gap = phrase.top - last.bottom
                overlaps = phrase.x0 < last.x1 and last.x0 < phrase.x1
                aligned = abs(phrase.x0 - last.x0) <= last.height
                close = -last.height / 2 <= gap <= BLOCK_GAP * last.height
                if (
                    close
                    and (overlaps or aligned)
                    and (best is None or last.bottom > best.phrases[-1].bottom)
                ):
                    best = block
            if best is None:
                best = Block(phrases=[])
                open_blocks.append(best)
                page.blocks.append(best)
            phrase.block = page.blocks.index(best)
            best.phrases.append(phrase)
        # a block whose last phrase is far above this line is closed
        open_blocks = [
            block
            for block in open_blocks
            if line.top - block.phrases[-1].bottom <= 2 * block.phrases[-1].height
        ]


@dataclass
class PdfPage:
    """A text page's characters as pdfplumber describes them (``text``, ``x0``, ``x1``,
    ``top``, ``bottom`` in points from the page's top left, ``upright``, ``size``), read by
    ``pdf_page``."""

    chars: list[dict[str, Any]]
    width: float
    height: float


# A page holding more characters than this is read up to them (an invoice page holds a few
# thousand; a page of a million tiny characters must not hold a worker for minutes).
PAGE_MAX_CHARS = 60_000


def pdf_page(page: Any) -> PdfPage:
    """The characters of a pdfium page (``pypdfium2.PdfPage``), with the boxes pdfminer gives
    them: from the baseline less the font's descent, one font size high, one advance wide.
    pdfium finds them in C, five times faster than pdfminer parses the page in Python.

    pdfium's loose box spans the font's ascent to its descent; its height over the font's
    (ascent - descent) per unit of size is the size the text is printed at."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    left, bottom, right, top = page.get_cropbox()
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        count = min(pdfium_c.FPDFText_CountChars(raw), PAGE_MAX_CHARS)
        box = pdfium_c.FS_RECTF()
        matrix = pdfium_c.FS_MATRIX()
        x, y = ctypes.c_double(), ctypes.c_double()
        ascent, descent = ctypes.c_float(), ctypes.c_float()
        fonts: dict[int | None, tuple[float, float]] = {}
        chars: list[dict[str, Any]] = []
        pending = 0  # the high half of a character beyond the 16-bit plane
        for index in range(count):
            code = pdfium_c.FPDFText_GetUnicode(raw, index)
            if 0xD800 <= code < 0xDC00:
                pending = code
                continue
            if 0xDC00 <= code < 0xE000:
                if not pending:
                    continue
                code, pending = 0x10000 + ((pending - 0xD800) << 10) + (code - 0xDC00), 0
            if code in (0, 0xFFFE, 0xFFFF) or chr(code) in "\r\n\x02":
                continue
            if pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
                continue  # a space or line break pdfium adds between words and lines
            if not pdfium_c.FPDFText_GetLooseCharBox(raw, index, box):
                continue
            pdfium_c.FPDFText_GetCharOrigin(raw, index, x, y)
            obj = pdfium_c.FPDFText_GetTextObject(raw, index)
            key = ctypes.cast(obj, ctypes.c_void_p).value
            font = fonts.get(key)
            if font is None:
                handle = pdfium_c.FPDFTextObj_GetFont(obj)
                ok = handle and pdfium_c.FPDFFont_GetAscent(handle, ctypes.c_float(1.0), ascent)
                ok = ok and pdfium_c.FPDFFont_GetDescent(handle, ctypes.c_float(1.0), descent)
                font = fonts[key] = (ascent.value, descent.value) if ok else (0.8, -0.2)
            span = font[0] - font[1]
            size = (box.top - box.bottom) / span if span > 0 else box.top - box.bottom
            lower = y.value + font[1] * size
            upright = True
            if pdfium_c.FPDFText_GetMatrix(raw, index, matrix):
                upright = matrix.a * matrix.d > 0 and matrix.b * matrix.c <= 0
            char_top = top - (lower + size)
            chars.append(
                {
                    "text": chr(code),
                    "x0": box.left - left,
                    "x1": box.right - left,
                    "top": char_top,
                    "bottom": top - lower,
                    "doctop": char_top,
                    "upright": upright,
                    "size": size,
                }
            )
    finally:
        textpage.close()
    return PdfPage(chars=chars, width=right - left, height=top - bottom)


def pdf_page_text_and_words(
    page: PdfPage, index: int, *, with_words: bool = True
) -> tuple[str, PageWords | None]:
    """The text of a PDF page in reading layout (what pdfplumber's
    ``page.extract_text(layout=True)`` gives) and, ``with_words``, its words with their boxes
    grouped into lines, phrases and blocks, from one pass that groups the characters into
    words (pdfplumber's own word map, which its layout text is made of)."""
    from pdfplumber.utils.text import TEXTMAP_KWARGS, WORD_EXTRACTOR_KWARGS, WordExtractor

    settings: dict[str, Any] = {
        "layout": True,
        "presorted": True,
        "layout_bbox": (0.0, 0.0, page.width, page.height),
        "layout_width": page.width,
        "layout_height": page.height,
    }
    extractor = WordExtractor(**{k: v for k, v in settings.items() if k in WORD_EXTRACTOR_KWARGS})
    wordmap = extractor.extract_wordmap(page.chars)
    text = wordmap.to_textmap(**{k: v for k, v in settings.items() if k in TEXTMAP_KWARGS})
    if not with_words:
        return blank_leaders(text.as_string), None
    words = [
        Word(
            text=str(item["text"]),
            x0=float(item["x0"]),
            top=float(item["top"]),
            x1=float(item["x1"]),
            bottom=float(item["bottom"]),
        )
        for item, _chars in wordmap.tuples
        if str(item["text"]).strip()
    ]
    page_words = group(words, index=index, width=page.width, height=page.height, unit="pt")
    return blank_leaders(text.as_string), page_words


def parse_tsv(tsv: str, *, index: int, width: float, height: float) -> PageWords:
    """The words of Tesseract's TSV output (level 5 rows are words)."""
    words = []
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        try:
            left, top = float(row["left"]), float(row["top"])
            right, bottom = left + float(row["width"]), top + float(row["height"])
            confidence = float(row["conf"])
        except (KeyError, TypeError, ValueError):
            continue
        if confidence < 0:
            continue
        words.append(
            Word(text=text, x0=left, top=top, x1=right, bottom=bottom, confidence=confidence)
        )
    return group(words, index=index, width=width, height=height, unit="px")


def plain_text(pages: list[PageWords]) -> str:
    """The pages as text, a line per line and wide gaps kept as three spaces (for the text
    reader when only words are at hand, as after OCR in TSV mode)."""
    return "\n\f\n".join("\n".join(line.text for line in page.lines) for page in pages)
