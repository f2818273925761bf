"""Returns: return authorisations (RMA), receiving returned units at the returns dock against what was shipped,
their inspection and disposition (restock, quarantine, scrap, back to the supplier), each a ledger move."""
