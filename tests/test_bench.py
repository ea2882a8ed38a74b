"""The benchmark's own pieces still fit the build (no timing here: that is the benchmark's job)."""

from __future__ import annotations

import importlib

from conftest import PROJECT
from keikaku.load import load_plan

bench_main = importlib.import_module("bench.__main__")
synthetic = importlib.import_module("bench.synthetic")


def test_light_measurements_run_on_the_real_plan(tmp_path):
    bench = bench_main.Bench(PROJECT / "content", tmp_path)
    bench.check(0)
    bench.html_only(0)


def test_synthetic_plan_is_a_valid_plan_k_times_the_real_one(tmp_path):
    real = load_plan(PROJECT / "content")
    made = load_plan(synthetic.make_synthetic(PROJECT / "content", tmp_path / "x3", 3))
    assert len(made.packages()) == 3 * len(real.packages())
    assert len(made.index.visions) == 3 * len(real.index.visions)
    assert len(made.index.challenges) == 3 * len(real.index.challenges)
    # Every 未定事項 is repeated but the cover's date, which plan.yaml holds once.
    assert len(made.pending) == 3 * (len(real.pending) - 1) + 1
    assert not made.warnings
