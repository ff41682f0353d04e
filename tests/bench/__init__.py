"""Benchmarks (`make bench`): numbers beside a floor measured in the same run; no asserts on time."""
