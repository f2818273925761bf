"""Labels and printers: ZPL templates with escaping, and transports (TCP 9100, CUPS, file).

Pure: no database and no Flask, so print-job rows and screens can build on it.
"""

from printers.transports import PrinterError, send
from printers.zpl import LabelDataError, available_sizes, render_label, zpl_escape

__all__ = ["LabelDataError", "PrinterError", "available_sizes", "render_label", "send", "zpl_escape"]
