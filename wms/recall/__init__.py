"""Recall and traceability: recall a lot or a serial (RDC 625/2022), trace where it came from and who got it."""
