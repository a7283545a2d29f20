# SPDX-License-Identifier: Apache-2.0
"""Profiling regions."""
import pytest

import vaccel


@pytest.fixture
def profiling(mode):
    was = vaccel.prof_enabled()
    yield
    vaccel.prof_enable(was)


def test_region_counts_samples_while_enabled(profiling):
    vaccel.prof_enable(True)
    assert vaccel.prof_enabled()
    r = vaccel.ProfRegion("python")
    assert r.name == "python"
    assert r.count == 0 and r.total_ns == 0 and r.samples == []
    with vaccel.Session() as s:
        for _ in range(3):
            with r:
                s.noop()
        r.start()
        s.noop()
        r.stop()
    assert r.count == 4
    samples = r.samples
    assert len(samples) == 4
    assert all(t > 0 for _, t in samples)
    assert [start for start, _ in samples] == sorted(start for start, _ in samples)
    assert sum(t for _, t in samples) == r.total_ns
    r.print()


def test_region_is_free_while_disabled(profiling):
    vaccel.prof_enable(False)
    assert not vaccel.prof_enabled()
    r = vaccel.ProfRegion("off")
    with r:
        pass
    assert r.count == 0 and r.total_ns == 0
