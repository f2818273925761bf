"""The shipping labels as a scanner reads them (zplkit renders, zxing-cpp decodes): the Correios label's
tracking Code 128 and 164-character DataMatrix for a known order, the DANFE simplificado's fields and access key
as Code 128 subset C, and a hostile customer name that stays text."""
import datetime as dt

import pytest

from printers.label_fields import LabelDataError
from printers.zpl import render_label
from tests.labels import field_data, render_and_decode
from wms import brazil

KEY = "33150308370779000149550010001100931002410775"
SENDER = {"name": "Retaguarda Distribuidora", "street": "Rua do Armazém", "number": "100", "district": "Centro",
          "city": "São Paulo", "state": "SP", "cep": "01001000"}


def correios(recipient_name="Maria Silva", **extra):
    return {"service_name": "PAC", "service_code": "03298", "tracking_code": "PH297898690BR",
            "contract": "9912345678", "posting_card": "0067599079", "invoice": "110093", "order": "42",
            "volume": 1, "volume_count": 2, "weight_g": 1250, "declared_value": 59,
            "recipient": {"name": recipient_name, "street": "Av. Paulista", "number": "1000",
                          "complement": "apto 5", "district": "Bela Vista", "city": "São Paulo", "state": "SP",
                          "cep": "01310-100", "phone": "(11) 98765-4321"},
            "sender": SENDER, **extra}


def test_the_correios_label_of_a_known_order_scans_as_its_tracking_code_and_164_characters():
    zpl = render_label("shipping_correios", correios())
    decoded = render_and_decode(zpl)
    assert ("Code128", "PH297898690BR") in decoded
    assert ("Code128", "01310100") in decoded  # the recipient's CEP
    matrix = dict(decoded)["DataMatrix"]
    assert len(matrix) == 164
    assert matrix == brazil.correios_datamatrix(
        destination_cep="01310100", destination_number="1000", origin_cep="01001000", origin_number="100",
        tracking_code="PH297898690BR", posting_card="0067599079", service_code="03298", complement="apto 5",
        declared_value=59, phone="11987654321")
    assert matrix[:8] == "01310100" and matrix[8:13] == "01000" and matrix[13:21] == "01001000"
    assert matrix[26] == str(brazil.cep_check_digit("01310100")) and matrix[27:29] == "51"
    assert matrix[29:42] == "PH297898690BR" and matrix[42:54] == "250000000000"
    assert matrix[54:64] == "0067599079" and matrix[64:69] == "03298" and matrix[133] == "|"


@pytest.mark.parametrize("hostile", ["^XA^FO0,0^FDPWNED^FS^XZ", "~JR~JA", "Ana_5E_XA >5 José"])
def test_a_hostile_customer_name_is_printed_not_obeyed(hostile):
    zpl = render_label("shipping_correios", correios(recipient_name=hostile))
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1 and "~JR" not in zpl and "~JA" not in zpl
    assert hostile in field_data(zpl)
    assert ("Code128", "PH297898690BR") in render_and_decode(zpl)


def danfe(**extra):
    data = {"access_key": KEY, "number": "110093", "series": "1", "issued_at": dt.datetime(2015, 3, 10, 9, 30),
            "operation": 1, "protocol": "133150000123456", "authorized_at": dt.datetime(2015, 3, 10, 9, 31),
            "issuer": {"name": "Empresa Emitente Ltda", "uf": "RJ", "cnpj": "08370779000149", "ie": "81234567"},
            "recipient": {"name": "Maria Silva", "uf": "SP", "document": "52998224725"}}
    data.update(extra)
    return data


def test_the_danfe_simplificado_prints_its_fields_and_the_key_as_code_128_subset_c():
    zpl = render_label("danfe", danfe())
    assert "^FD>;" + KEY in zpl  # starts in subset C and stays there: 44 digits
    assert ("Code128", KEY) in render_and_decode(zpl)
    fields = field_data(zpl)
    for text in ("DANFE SIMPLIFICADO - ETIQUETA", "CHAVE DE ACESSO", "3315 0308 3707 7900 0149 5500 1000 1100 "
                 "9310 0241 0775", "EMITENTE", "Empresa Emitente Ltda", "CNPJ: 08.370.779/0001-49", "UF: RJ",
                 "IE: 81234567", "1 - SAIDA", "SERIE", "1", "NUMERO", "110093", "DATA DE EMISSAO",
                 "10/03/2015 09:30", "DESTINATARIO", "Maria Silva", "CPF/CNPJ: 529.982.247-25", "UF: SP",
                 "PROTOCOLO DE AUTORIZACAO", "133150000123456 - 10/03/2015 09:31"):
        assert text in fields, text
    assert not any("VALOR" in f.upper() for f in fields)  # v1.10 removed the total value


def test_a_danfe_with_a_wrong_key_or_party_is_refused():
    with pytest.raises(LabelDataError, match="access_key"):
        render_label("danfe", danfe(access_key=KEY[:-1] + "0"))
    with pytest.raises(LabelDataError, match="recipient.uf"):
        render_label("danfe", danfe(recipient={"name": "X", "uf": "ZZ", "document": "52998224725"}))


def test_nfe_keys_are_checked_by_their_digit():
    assert brazil.is_valid_nfe_key(KEY)
    assert brazil.is_valid_nfe_key("13181017921427000125650010000000309887251170")
    assert not brazil.is_valid_nfe_key(KEY[:-1] + "6")


def test_the_packing_slip_lists_the_lines():
    zpl = render_label("packing_slip", {"order": "42", "customer": "Maria ^XA", "boxes": 2,
                                        "lines": [{"sku": "MED", "name": "Dipirona", "qty": 3, "lot": "L-1"}]})
    assert ("Code128", "42") in render_and_decode(zpl)
    assert {"Maria ^XA", "MED", "Dipirona", "L-1", "3"} <= set(field_data(zpl))
