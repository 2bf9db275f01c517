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
