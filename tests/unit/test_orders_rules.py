"""Reading an order as a channel sends it: every field checked, errors named by path, Brazilian documents."""
import pytest

from wms.orders.rules import cpf_is_valid, customer_document, payload_hash, read_order


def good() -> dict:
    return {
        "channel": "marketplace", "channel_order_id": "MLB-1", "payment_status": "paid", "carrier": "correios",
        "promised_ship_date": "2026-12-01", "priority": 2,
        "customer": {"name": " Ana ", "document": "529.982.247-25", "email": "ana@example.com",
                     "phone": "+55 (11) 91234-5678", "min_shelf_life_days": 90},
        "ship_to": {"street": "Rua A", "number": "10", "city": "Brasília", "state": "df", "cep": "71010-050"},
        "lines": [{"sku": "MED", "quantity": 2, "unit_price_cents": 1290}],
    }


def test_a_good_order_is_read_clean():
    clean, errors = read_order(good())
    assert errors == {}
    assert clean["customer_name"] == "Ana" and clean["customer_document"] == "52998224725"
    assert clean["customer_phone"] == "5511912345678" and clean["ship_state"] == "DF"
    assert clean["ship_cep"] == "71010050" and clean["min_shelf_life_days"] == 90
    assert clean["lines"] == [{"sku": "MED", "quantity": 2, "unit_price_cents": 1290}]


@pytest.mark.parametrize("change, field", [
    (lambda d: d.pop("channel"), "channel"),
    (lambda d: d.update(channel="telegram"), "channel"),
    (lambda d: d.update(channel_order_id="x" * 65), "channel_order_id"),
    (lambda d: d.update(payment_status="later"), "payment_status"),
    (lambda d: d.update(carrier=None), "carrier"),
    (lambda d: d.update(promised_ship_date="01/12/2026"), "promised_ship_date"),
    (lambda d: d.update(priority=True), "priority"),
    (lambda d: d.pop("customer"), "customer"),
    (lambda d: d["customer"].update(document="123.456.789-00"), "customer.document"),
    (lambda d: d["customer"].update(email="ana.example.com"), "customer.email"),
    (lambda d: d["customer"].update(phone="1234"), "customer.phone"),
    (lambda d: d["customer"].update(min_shelf_life_days=-1), "customer.min_shelf_life_days"),
    (lambda d: d["ship_to"].update(cep="7101-050"), "ship_to.cep"),
    (lambda d: d["ship_to"].update(cep=71010050), "ship_to.cep"),
    (lambda d: d["ship_to"].update(state="XX"), "ship_to.state"),
    (lambda d: d["ship_to"].pop("street"), "ship_to.street"),
    (lambda d: d.update(lines=[]), "lines"),
    (lambda d: d.update(lines={"sku": "MED"}), "lines"),
    (lambda d: d["lines"].append({"sku": "MED", "quantity": 1.5, "unit_price_cents": 1}), "lines[1].quantity"),
    (lambda d: d["lines"].append({"sku": "", "quantity": 1, "unit_price_cents": 1}), "lines[1].sku"),
    (lambda d: d["lines"].append({"sku": "MED", "quantity": 1, "unit_price_cents": -1}), "lines[1].unit_price_cents"),
])
def test_each_problem_is_named_by_its_field(change, field):
    data = good()
    change(data)
    _clean, errors = read_order(data)
    assert field in errors, errors
    assert len(errors) == 1, errors


def test_cpf_and_cnpj():
    assert cpf_is_valid("52998224725") and not cpf_is_valid("52998224724") and not cpf_is_valid("11111111111")
    assert customer_document("11.222.333/0001-81") == "11222333000181"
    assert customer_document("12.ABC.345/01DE-35") == "12ABC34501DE35"  # alphanumeric CNPJ, from July 2026
    assert customer_document("11.222.333/0001-80") is None
    assert customer_document("123") is None


def test_the_same_order_spelt_differently_has_the_same_hash():
    a, _ = read_order(good())
    other = good()
    other["customer"]["document"] = "52998224725"
    other["ship_to"]["cep"] = "71010050"
    b, _ = read_order(other)
    assert payload_hash(a) == payload_hash(b)
    other["lines"][0]["quantity"] = 3
    c, _ = read_order(other)
    assert payload_hash(c) != payload_hash(a)
