"""The JSON model takes the keys as the CLI documents them: the ``allowances`` and ``charges``
lists say which an item is, so the items need no ``is_charge``."""

import json

import pytest
from django.core.management import CommandError, call_command

from apps.einvoice import from_xml, validate
from apps.einvoice.jsonio import JSONModelError, from_json, to_json
from tests.einvoice import samples


def _data():
    data = to_json(samples.domestic_mixed())
    del data["totals"], data["vat_breakdown"]  # computed when omitted
    data["allowances"] = [
        {"amount": "10.00", "reason": "Korting", "vat_category": "S", "vat_rate": "21"}
    ]
    data["charges"] = [
        {"amount": "5.00", "reason": "Verzending", "vat_category": "S", "vat_rate": "21"}
    ]
    data["lines"][0]["allowances"] = [{"amount": "1.00", "reason": "Actie"}]
    data["lines"][0]["charges"] = [{"amount": "0.50", "reason": "Verpakking"}]
    return data


def test_allowances_and_charges_need_no_is_charge():
    document = from_json(_data())
    assert [item.is_charge for item in document.allowances] == [False]
    assert [item.is_charge for item in document.charges] == [True]
    assert [item.is_charge for item in document.lines[0].allowances] == [False]
    assert [item.is_charge for item in document.lines[0].charges] == [True]


def test_an_is_charge_that_agrees_with_its_list_is_accepted():
    data = _data()
    data["allowances"][0]["is_charge"] = False
    data["charges"][0]["is_charge"] = "true"
    document = from_json(data)
    assert (document.allowances[0].is_charge, document.charges[0].is_charge) == (False, True)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda data: data["allowances"][0].update(is_charge=True), ".allowances[0].is_charge"),
        (lambda data: data["lines"][0]["charges"][0].update(is_charge=False), "lines[0].charges"),
        (lambda data: data["charges"][0].update(is_charge="maybe"), ".charges[0].is_charge"),
    ],
    ids=["charge among allowances", "allowance among line charges", "not a boolean"],
)
def test_an_is_charge_that_contradicts_its_list_is_refused_clearly(change, where):
    data = _data()
    change(data)
    with pytest.raises(JSONModelError) as error:
        from_json(data)
    assert where in str(error.value)


def test_cli_builds_valid_ubl_from_items_without_is_charge(tmp_path, capsys):
    source = tmp_path / "model.json"
    source.write_text(json.dumps(_data()))
    call_command("einvoice", "build", str(source), "--validate")
    xml = capsys.readouterr().out.encode()
    assert validate(xml).is_valid, validate(xml).to_dict()
    document = from_xml(xml)
    assert [item.amount for item in document.charges] == [5]


def test_cli_names_a_contradicting_is_charge_in_one_line(tmp_path):
    data = _data()
    data["charges"][0]["is_charge"] = False
    source = tmp_path / "model.json"
    source.write_text(json.dumps(data))
    with pytest.raises(CommandError) as error:
        call_command("einvoice", "build", str(source))
    assert ".charges[0].is_charge" in str(error.value)
