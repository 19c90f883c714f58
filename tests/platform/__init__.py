"""Tests of the platform operators' pages, rq-dashboard and sign-up."""
