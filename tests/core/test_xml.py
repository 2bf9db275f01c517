"""The hardened XML parser: limits on size, element count and depth, checked cheaply."""

import time

import pytest

from apps.core.xml import MAX_ELEMENTS, XMLRejected, parse_xml


def _nested(depth: int) -> bytes:
    return b"<a>" * depth + b"</a>" * depth


def test_reads_ordinary_xml():
    root = parse_xml(b"<?xml version='1.0'?><r><a>1</a><b/></r>")
    assert [child.tag for child in root] == ["a", "b"]


def test_depth_at_the_limit_is_fine_one_more_is_refused():
    assert parse_xml(_nested(100), max_depth=100) is not None
    with pytest.raises(XMLRejected) as error:
        parse_xml(_nested(101), max_depth=100)
    assert error.value.code == "too_deep"
    assert "100" in error.value.message


def test_deeper_than_libxml2_allows_is_too_deep_too():
    with pytest.raises(XMLRejected) as error:
        parse_xml(_nested(5000))
    assert error.value.code == "too_deep"


def test_element_count_at_the_limit_is_fine_one_more_is_refused():
    assert len(parse_xml(b"<r>" + b"<a/>" * 9 + b"</r>", max_elements=10)) == 9
    with pytest.raises(XMLRejected) as error:
        parse_xml(b"<r>" + b"<a/>" * 10 + b"</r>", max_elements=10)
    assert error.value.code == "too_many_elements"
    assert "10" in error.value.message


def test_comments_and_end_tags_are_not_counted_as_elements():
    xml = b"<?xml version='1.0'?><r><!-- c --><a></a><a></a><?pi x?></r>"
    assert len(parse_xml(xml, max_elements=3).findall("a")) == 2


def test_a_flood_of_elements_is_refused_before_parsing():
    flood = b"<r>" + b"<a/>" * 5_000_000 + b"</r>"  # 20 MB: under the size limit
    started = time.perf_counter()
    with pytest.raises(XMLRejected) as error:
        parse_xml(flood)
    assert time.perf_counter() - started < 1
    assert error.value.code == "too_many_elements"
    assert str(MAX_ELEMENTS) in error.value.message


def test_element_count_sees_through_utf16():
    xml = ("<r>" + "<a/>" * 20 + "</r>").encode("utf-16")
    with pytest.raises(XMLRejected) as error:
        parse_xml(xml, max_elements=10)
    assert error.value.code == "too_many_elements"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"hello", "not_xml"),
        (b"<!DOCTYPE r [<!ENTITY e 'x'>]><r>&e;</r>", "doctype"),
        (b"<r><a></r>", "malformed"),
    ],
)
def test_refusals_name_the_problem(data, code):
    with pytest.raises(XMLRejected) as error:
        parse_xml(data)
    assert error.value.code == code


UTF7_DOCTYPE = (
    b'<?xml version="1.0" encoding="UTF-7"?>\n'
    b'+ADwAIQ-DOCTYPE r +AFsAPAAh-ENTITY e "x"+AD4AXQA+-\n<r>&e;</r>'
)


@pytest.mark.parametrize(
    ("data", "code", "named"),
    [
        (UTF7_DOCTYPE, "unsupported_encoding", "UTF-7"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><r>\xe9</r>', "unsupported_encoding", ""),
        ('<?xml version="1.0"?><r/>'.encode("utf-32"), "unsupported_encoding", "UTF-32"),
        (b"\x4c\x6f\xa7\x94\x93\x40\xa5\x85", "not_xml", ""),  # '<?xml v' in EBCDIC
        ('<?xml version="1.0" encoding="UTF-8"?><r/>'.encode("utf-16"), "encoding_mismatch", ""),
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-16"?><r/>', "encoding_mismatch", ""),
        (
            '<?xml version="1.0" encoding="UTF-16BE"?><r/>'.encode("utf-16-le"),
            "encoding_mismatch",
            "",
        ),
        ("<r>é</r>".encode("utf-16-le"), "malformed", ""),  # no BOM, no declaration: not UTF-16
        (b"\xff\xfe<\x00r\x00>\x00\x00\xd8<\x00/\x00r\x00>\x00", "encoding", ""),  # lone surrogate
    ],
)
def test_only_utf8_and_utf16_are_read(data, code, named):
    with pytest.raises(XMLRejected) as error:
        parse_xml(data)
    assert error.value.code == code
    assert named in error.value.message


@pytest.mark.parametrize(
    "data",
    [
        '<?xml version="1.0"?><r>é</r>'.encode(),
        '<?xml version="1.0" encoding="utf-8"?><r>é</r>'.encode(),
        '\ufeff<?xml version="1.0" encoding="UTF-8"?><r>é</r>'.encode(),
        '<?xml version="1.0" encoding="UTF-16"?><r>é</r>'.encode("utf-16"),  # with BOM
        "<r>é</r>".encode("utf-16"),  # BOM, no declaration
        '<?xml version="1.0" encoding="UTF-16"?><r>é</r>'.encode("utf-16-le"),  # no BOM
        '<?xml version="1.0" encoding="UTF-16"?><r>é</r>'.encode("utf-16-be"),
        '<?xml version="1.0" encoding="UTF-16LE"?><r>é</r>'.encode("utf-16-le"),
    ],
)
def test_utf8_and_utf16_with_or_without_bom_are_read(data):
    assert parse_xml(data).text == "é"


def test_a_doctype_in_utf16_without_bom_is_refused():
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'
    with pytest.raises(XMLRejected) as error:
        parse_xml(xml.encode("utf-16-be"))
    assert error.value.code == "doctype"


def _with_text(*sizes: int) -> bytes:
    return b"<a>" + b"".join(b"<b>" + b"QUJD" * (size // 4) + b"</b>" for size in sizes) + b"</a>"


def test_one_text_longer_than_libxml2_reads_by_default_is_read_up_to_the_bound():
    root = parse_xml(_with_text(12_000_000), max_bytes=30_000_000, max_text_bytes=13_000_000)
    assert len(root[0].text) == 12_000_000


@pytest.mark.parametrize(
    ("sizes", "bound"), [((12_000_000,), 11_000_000), ((10_400_000, 10_400_000), 30_000_000)]
)
def test_a_text_over_the_bound_or_a_second_long_text_is_refused(sizes, bound):
    with pytest.raises(XMLRejected) as error:
        parse_xml(_with_text(*sizes), max_bytes=30_000_000, max_text_bytes=bound)
    assert error.value.code == "text_too_long"


def test_a_long_text_keeps_the_other_limits():
    deep = _nested(101).replace(b"</a>", b"QUJD" * 2_600_000 + b"</a>", 1)
    with pytest.raises(XMLRejected) as error:
        parse_xml(deep)
    assert error.value.code == "too_deep"
    doctype = b'<!DOCTYPE a [<!ENTITY e "x">]>' + _with_text(12_000_000)
    with pytest.raises(XMLRejected) as error:
        parse_xml(doctype, max_bytes=30_000_000)
    assert error.value.code == "doctype"
