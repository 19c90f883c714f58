"""Tests of the demo data (flask demo load)."""
