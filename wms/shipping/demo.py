"""Demo shipping data: Correios (PAC, SEDEX) with tracking ranges, a private carrier with table rates, a
marketplace's logistics, box types and freight tables. Packs and ships nothing. Called by wms/demo.py."""
from . import carriers

# São Paulo capital, the rest of the state, everywhere else: (cep_from, cep_to, surcharge, extra days).
_REGIONS = (("01000000", "05999999", 0, 0), ("06000000", "19999999", 300, 1), ("20000000", "99999999", 900, 3))
_BANDS = ((0, 1000), (1001, 5000), (5001, 10000), (10001, 30000))


def _table(base_cents: int, per_band: int, days: int) -> str:
    lines = ["cep_from,cep_to,weight_from_g,weight_to_g,price_cents,days"]
    for cep_from, cep_to, surcharge, extra in _REGIONS:
        for index, (low, high) in enumerate(_BANDS):
            lines.append(f"{cep_from},{cep_to},{low},{high},{base_cents + index * per_band + surcharge},"
                         f"{days + extra}")
    return "\n".join(lines) + "\n"


def load_shipping() -> dict:
    """Carriers, services, ranges, rates, a channel rule and box types, in the caller's unit of work."""
    correios = carriers.save_carrier(code="correios", name="Correios", kind="correios", contract="9912345678",
                                     posting_card="0067599079", cubic_divisor=6000, insurance_bp=100,
                                     tracking_url="https://rastreamento.correios.com.br/app/index.php?objeto={code}")
    pac = carriers.save_service(correios.id, code="03298", name="PAC", symbol="PAC")
    sedex = carriers.save_service(correios.id, code="03220", name="SEDEX", symbol="SEDEX")
    carriers.import_range(pac.id, prefix="PH", first=29789860, last=29799859, warn_below=500)
    carriers.import_range(sedex.id, prefix="SS", first=10000000, last=10004999, warn_below=500)
    carriers.import_rates_csv(pac.id, _table(1890, 600, 6))
    carriers.import_rates_csv(sedex.id, _table(2990, 900, 2))
    jadlog = carriers.save_carrier(code="jadlog", name="Jadlog", kind="table", cubic_divisor=5000,
                                   tracking_pattern="JD##########",
                                   tracking_url="https://www.jadlog.com.br/tracking?cte={code}")
    package = carriers.save_service(jadlog.id, code="PACKAGE", name=".Package")
    carriers.import_rates_csv(package.id, _table(1690, 500, 4))
    mercado = carriers.save_carrier(code="mercado-envios", name="Mercado Envios", kind="marketplace")
    flex = carriers.save_service(mercado.id, code="ME2", name="Mercado Envios 2")
    carriers.save_channel_rule("marketplace", service_id=flex.id, require_invoice=True)
    for code, name, dims, tare, most in (("CX-P", "Caixa P", (200, 150, 100), 120, 10_000),
                                         ("CX-M", "Caixa M", (300, 250, 200), 250, 20_000),
                                         ("CX-G", "Caixa G", (500, 400, 350), 500, 30_000),
                                         ("ENV", "Envelope", (300, 220, 30), 30, 1_000)):
        carriers.save_box_type(code=code, name=name, length_mm=dims[0], width_mm=dims[1], height_mm=dims[2],
                               tare_g=tare, max_weight_g=most)
    return {"carriers": 3, "services": 4, "box_types": 4}
