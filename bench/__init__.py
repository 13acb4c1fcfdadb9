"""Benchmarks: the program and the policy pack, each measured against a baseline on the same machine.

Run `make bench` (or `.venv/bin/python -m bench --quick` for a fast smoke run); see bench/BENCHMARKS.md.
"""
