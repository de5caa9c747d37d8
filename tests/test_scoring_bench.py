"""The benchmark runs end to end on a tiny org (the real figures come from `make bench`)."""

from __future__ import annotations

from tests.bench_scoring import report, run_bench


def test_run_bench_small() -> None:
    result = run_bench(300, seed_sample=10, quiet=True)
    step = result["step"]
    assert step["contacts"] == result["contacts_in_window"] > 250
    assert step["qualifications"] == 2 * step["contacts"]
    assert step["contacts_per_s"] > 0 and step["peak_rss_mb"] > 0
    assert result["seed"]["extrapolated"] and result["seed"]["sample_contacts"] == 10
    assert 0 < result["ratio"] <= result["ratio_vs_kept_alive"]
    assert result["ratio"] <= result["ratio_vs_new_connections"]
    text = report(result)
    assert "contacts/s" in text and "peak RSS" in text and "extrapolated" in text
