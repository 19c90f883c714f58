"""Tests of the job machinery, real RQ workers and the Jobs API."""
