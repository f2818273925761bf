"""Labels and printers in the warehouse: printers as data, the durable print queue, its screens."""
