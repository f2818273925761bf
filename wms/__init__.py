"""Retaguarda WMS."""
