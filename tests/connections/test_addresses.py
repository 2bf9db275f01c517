"""The accountant's address: Octopus parsing and proposals, and the paste mistakes we catch."""

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.connections.addresses import (
    PACKAGES,
    PACKAGES_BY_CODE,
    OctopusAddress,
    address_problems,
    normalise_address,
    octopus_parse,
    octopus_proposal,
    octopus_propose,
)


def _codes(address: str, package: str = "octopus") -> list[str]:
    return [problem.code for problem in address_problems(address, package=package)]


def _only(address: str, package: str = "octopus"):
    problems = address_problems(address, package=package)
    assert len(problems) == 1, problems
    return problems[0]


def test_parses_an_octopus_address_without_suffix():
    assert octopus_parse("uid-008352-24@import.octopus.be") == OctopusAddress(
        prefix="uid", file_code="008352-24", suffix="", domain="import.octopus.be"
    )


def test_parses_an_octopus_address_with_a_suffix():
    assert octopus_parse("uid-008352-24-PI@import.octopus.be") == OctopusAddress(
        prefix="uid", file_code="008352-24", suffix="PI", domain="import.octopus.be"
    )


def test_parses_an_ocr_address_with_a_one_letter_suffix():
    assert octopus_parse("ocr-077080-22-A@import.octopus.be") == OctopusAddress(
        prefix="ocr", file_code="077080-22", suffix="A", domain="import.octopus.be"
    )


def test_parses_a_pasted_octopus_address_with_mailto_and_spaces():
    parsed = octopus_parse("  mailto:UID-008352-24-pi@Import.Octopus.be ")
    assert parsed == OctopusAddress(
        prefix="uid", file_code="008352-24", suffix="pi", domain="import.octopus.be"
    )


@pytest.mark.parametrize(
    "address",
    [
        "",
        "boekhouding@clearfacts.be",
        "uid-008352@import.octopus.be",
        "uid-008352-2@import.octopus.be",
        "uid-123-24@import.octopus.be",
        "xyz-008352-24@import.octopus.be",
        "008352-24@import.octopus.be",
        "uid-008352-24",
        "uid-008352-24@",
        "uid-008352-24-@import.octopus.be",
        "a@uid-008352-24@import.octopus.be",
        "uid-٠٠٨٣٥٢-٢٤@import.octopus.be",
    ],
)
def test_does_not_parse_what_is_not_an_octopus_import_address(address):
    assert octopus_parse(address) is None


def test_proposes_an_address_per_document_type():
    assert octopus_propose("uid-008352-24@import.octopus.be") == {
        "purchases": "uid-008352-24-PI@import.octopus.be",
        "sales": "uid-008352-24-SI@import.octopus.be",
        "miscellaneous": "uid-008352-24-MISC@import.octopus.be",
    }


def test_proposal_replaces_the_pasted_suffix_and_the_ocr_prefix():
    assert octopus_propose("ocr-077080-22-A@import.octopus.be") == {
        "purchases": "uid-077080-22-PI@import.octopus.be",
        "sales": "uid-077080-22-SI@import.octopus.be",
        "miscellaneous": "uid-077080-22-MISC@import.octopus.be",
    }


def test_proposal_keeps_the_domain_the_user_pasted():
    proposal = octopus_propose("uid-008352-24@docin.octopus.be")
    assert proposal["purchases"] == "uid-008352-24-PI@docin.octopus.be"


def test_proposes_nothing_for_an_address_that_is_not_octopus():
    assert octopus_propose("boekhouding@clearfacts.be") == {}


def test_the_form_proposal_keeps_the_general_address_and_takes_the_first_octopus_one():
    # given a general address of another package and an Octopus address for sales
    current = {
        "general_address": "boekhouding@kantoor.example",
        "purchases_address": "",
        "sales_address": "uid-008352-24-X@import.octopus.be",
        "miscellaneous_address": "",
    }
    # when OkiOki proposes, then each type gets its sub-folder and the general one stays
    assert octopus_proposal(current) == {
        "general_address": "boekhouding@kantoor.example",
        "purchases_address": "uid-008352-24-PI@import.octopus.be",
        "sales_address": "uid-008352-24-SI@import.octopus.be",
        "miscellaneous_address": "uid-008352-24-MISC@import.octopus.be",
    }
    assert octopus_proposal({**current, "sales_address": ""}) == {}


def test_a_correct_octopus_address_has_no_problems():
    assert address_problems("uid-008352-24-PI@import.octopus.be", package="octopus") == []


def test_an_empty_address_is_fine():
    assert address_problems("", package="octopus") == []
    assert address_problems("   ", package="exact") == []


def test_mailto_and_angle_brackets_are_stripped():
    assert normalise_address(" mailto:uid-008352-24-PI@import.octopus.be ") == (
        "uid-008352-24-PI@import.octopus.be"
    )
    assert normalise_address("<MAILTO:Jan@Example.be>") == "Jan@Example.be"
    assert normalise_address("mailto:<jan@example.be>") == "jan@example.be"
    assert address_problems("mailto:uid-008352-24-PI@import.octopus.be", package="octopus") == []


def test_normalising_keeps_the_case_and_inner_brackets():
    assert normalise_address("Uid-008352-24-Pi@import.octopus.be") == (
        "Uid-008352-24-Pi@import.octopus.be"
    )
    assert normalise_address("Jan <jan@example.be>") == "Jan <jan@example.be>"


def test_warns_about_a_suffix_not_in_capitals_and_suggests_it_in_capitals():
    problem = _only("uid-008352-24-pi@import.octopus.be")
    assert problem.code == "octopus_suffix_case"
    assert not problem.is_blocking
    assert "uid-008352-24-PI@import.octopus.be" in str(problem.message)


def test_warns_about_the_ocr_prefix_and_suggests_the_uid_address():
    problem = _only("ocr-077080-22-A@import.octopus.be")
    assert problem.code == "octopus_ocr"
    assert not problem.is_blocking
    assert "uid-077080-22-A@import.octopus.be" in str(problem.message)
    assert "2 MB" in str(problem.message)


def test_warns_about_an_uppercase_prefix():
    problem = _only("UID-008352-24-PI@import.octopus.be")
    assert problem.code == "octopus_prefix_case"
    assert "uid-008352-24-PI@import.octopus.be" in str(problem.message)


def test_one_suggestion_fixes_every_octopus_mistake_at_once():
    problems = address_problems("OCR-008352-24-pi@import.octopus.be", package="octopus")
    assert [problem.code for problem in problems] == ["octopus_ocr", "octopus_suffix_case"]
    for problem in problems:
        assert "uid-008352-24-PI@import.octopus.be" in str(problem.message)


def test_blocks_an_address_with_a_space():
    problem = _only("uid-008352-24 -PI@import.octopus.be")
    assert problem.code == "contains_space"
    assert problem.is_blocking


def test_blocks_two_addresses_pasted_together():
    assert _only("a@example.be b@example.be", package="other").code == "several_at"
    assert _only("a@@example.be", package="other").code == "several_at"
    assert all(
        problem.is_blocking for problem in address_problems("a@b@example.be", package="other")
    )


def test_blocks_an_address_without_at():
    problem = _only("uid-008352-24.import.octopus.be")
    assert problem.code == "missing_at"
    assert problem.is_blocking


def test_blocks_an_address_that_is_not_valid():
    problem = _only("jan@example", package="other")
    assert problem.code == "invalid"
    assert problem.is_blocking


def test_warns_when_an_octopus_address_has_another_domain():
    problem = _only("uid-008352-24-PI@docin.octopus.be")
    assert problem.code == "octopus_domain"
    assert not problem.is_blocking
    assert "@import.octopus.be" in str(problem.message)


def test_warns_when_no_file_code_is_found():
    assert _codes("boekhouding@import.octopus.be") == ["octopus_no_file_code"]
    assert _codes("info@example.be") == ["octopus_domain", "octopus_no_file_code"]


def test_warns_about_the_address_of_another_package():
    problem = _only("bakkerij-janssens@clearfacts.be", package="octopus")
    assert problem.code == "other_package_domain"
    assert not problem.is_blocking
    assert "ClearFacts" in str(problem.message)
    assert _codes("uid-008352-24-PI@import.octopus.be", package="yuki") == ["other_package_domain"]
    assert _codes("bakkerij@billit.be", package="other") == ["other_package_domain"]


def test_warns_about_an_unexpected_domain_for_a_package_with_fixed_domains():
    problem = _only("bakkerij@example.be", package="yuki")
    assert problem.code == "unexpected_domain"
    assert "@yukiworks.be" in str(problem.message)


def test_accepts_any_valid_address_for_packages_without_fixed_domains():
    for package in ("exact", "winbooks", "other"):
        assert address_problems("Inkoop.Bakkerij@example.be", package=package) == []


def test_messages_are_translated_when_shown():
    problem = _only("uid-008352-24-pi@import.octopus.be")
    with translation.override("en"):
        english = str(problem.message)
    assert "%(" not in english
    assert "uid-008352-24-PI@import.octopus.be" in english


def test_every_package_has_a_hint_and_does_not_attach_a_separate_pdf():
    assert [package.code for package in PACKAGES] == list(PACKAGES_BY_CODE)
    for package in PACKAGES:
        assert str(package.hint)
        assert package.attach_pdf_default is False
    exact_warning = str(PACKAGES_BY_CODE["exact"].warning) % {"sender": "invoices@okioki.be"}
    assert "invoices@okioki.be" in exact_warning


@settings(max_examples=400, deadline=None)
@given(
    address=st.one_of(
        st.text(max_size=200),
        st.from_regex(r"(uid|ocr|UID|Ocr)-[0-9]{4,8}-[0-9]{2}(-\w{0,6})?@[\w.]{0,30}"),
    ),
    package=st.sampled_from(list(PACKAGES_BY_CODE)),
)
def test_address_problems_never_raises_on_any_text(address, package):
    problems = address_problems(address, package=package)
    for problem in problems:
        assert str(problem.message)
    assert sum(problem.is_blocking for problem in problems) <= 1
    octopus_parse(address)
    octopus_propose(address)
