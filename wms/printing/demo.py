"""Demo printers: a folder printer in the instance's labels directory, so every print on a fresh install
lands as a .zpl file there instead of needing a Zebra on the network."""
from pathlib import Path

from flask import current_app

from .printers import assign_printer, create_printer


def load_printers() -> None:
    folder = Path(current_app.config["WMS_LABEL_DIR"]).resolve()
    printer = create_printer("DEMO-FILE", folder.as_uri(), dpi=203, label_size="100x150",
                             place="instance/labels")
    small = create_printer("DEMO-FILE-SMALL", folder.as_uri(), dpi=203, label_size="100x50",
                           place="instance/labels")
    for station in ("dock", "picking", "packing"):
        assign_printer(station, "", printer.id)
    # Product labels have no 100x150 layout: they go to the 100x50 roll, here and everywhere.
    assign_printer("", "product", small.id)
    assign_printer("", "", printer.id)
