#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Run the core and remote benchmarks and print each result next to its
in-run baseline as a ratio, as a Markdown table (docs/performance.md).

    bench/ratios.py BUILD_DIR [--min-time SECONDS] [--repetitions N]
"""
import json
import subprocess
import tempfile
import sys

PAIRS = [
    # (what, benchmark, baseline, target ratio or None, note)
    ("noop call", "BM_vaccel_noop", "BM_baseline_indirect_call", None, "target <= 10 ns"),
    ("exec of an empty function", "BM_vaccel_exec", "BM_baseline_dlsym_call", None, "target <= 40 ns"),
    ("session init + release", "BM_vaccel_session_init_release", "BM_baseline_mkdir_rmdir", None, "target <= 2 us"),
    ("resource cycle, 1 KiB file", "BM_vaccel_resource_cycle_1KiB", "BM_baseline_open_fstat_close", None, "target <= 10 us"),
    ("start-up, plugin + session", "BM_startup_plugin_and_session_vs_empty/real_time",
     "BM_startup_plugin_and_session_vs_empty/real_time:empty", None, "target <= +150 us"),
    ("remote noop, unix, spinning", "BM_remote_noop_unix/real_time",
     "BM_raw_unix_pingpong_busypoll/real_time", 4.0, ""),
    ("remote noop, unix, no spin", "BM_remote_noop_unix_nospin/real_time",
     "BM_raw_unix_pingpong_blocking/real_time", 1.3, ""),
    ("remote noop, unix, no spin, in turns", "BM_pair_noop_unix_nospin/manual_time:vaccel",
     "BM_pair_noop_unix_nospin/manual_time:direct", None, "placement decides: see docs/performance.md"),
    ("remote noop, tcp, spinning", "BM_remote_noop_tcp/real_time",
     "BM_raw_tcp_pingpong_busypoll/real_time", 4.0, ""),
    ("remote noop, tcp, no spin", "BM_remote_noop_tcp_nospin/real_time",
     "BM_raw_tcp_pingpong_blocking/real_time", 1.3, ""),
    ("remote noop, tcp, no spin, in turns", "BM_pair_noop_tcp_nospin/manual_time:vaccel",
     "BM_pair_noop_tcp_nospin/manual_time:direct", None, "placement decides: see docs/performance.md"),
    ("64 MiB round trip (time), shared arena", "BM_pair_64MiB/arena:1/manual_time:vaccel",
     "BM_pair_64MiB/arena:1/manual_time:direct", 1.25, "throughput >= 80% of raw echo, in turns"),
    ("64 MiB round trip (time), socket", "BM_pair_64MiB/arena:0/manual_time:vaccel",
     "BM_pair_64MiB/arena:0/manual_time:direct", 1.25, "as over TCP or vsock, in turns"),
    ("sgemm 512, remote / local", "BM_pair_sgemm_512/manual_time:vaccel",
     "BM_pair_sgemm_512/manual_time:direct", 1.15, "in turns"),
]


def run(binary, min_time, reps):
    # JSON to a file: the programs print their own tables on stdout.
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(
            [binary, f"--benchmark_out={f.name}", "--benchmark_out_format=json",
             f"--benchmark_min_time={min_time}", f"--benchmark_repetitions={reps}",
             "--benchmark_report_aggregates_only=true"],
            check=True, capture_output=True, text=True)
        out = json.load(f)
    res = {}
    for b in out["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        name = b["run_name"] if "run_name" in b else b["name"]
        scale = {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]
        res[name] = b["real_time"] * scale
        # Paired benchmarks: their two sides' times are counters (us).
        for c in ("empty_us", "vaccel_us", "extra_us", "extra_floor_us", "direct_us"):
            if c in b:
                res[f"{name}:{c.removesuffix('_us')}"] = b[c] * 1e3
        if "ratio" in b:
            res[f"{name}:ratio"] = b["ratio"]
    return res


def human(ns):
    if ns < 1e3:
        return f"{ns:.1f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} us"
    return f"{ns / 1e6:.2f} ms"


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    min_time = "0.2"
    reps = 3
    if "--min-time" in sys.argv:
        min_time = sys.argv[sys.argv.index("--min-time") + 1]
    if "--repetitions" in sys.argv:
        reps = int(sys.argv[sys.argv.index("--repetitions") + 1])
    res = {}
    for b in ("vaccel-bench-core", "vaccel-bench-remote"):
        res.update(run(f"{build}/bin/{b}", min_time, reps))
    print("| what | vAccel | baseline (same run) | ratio | target |")
    print("|---|---|---|---|---|")
    for what, bm, base, target, note in PAIRS:
        if what.startswith("start-up"):
            bm = bm + ":vaccel"
        if bm not in res or base not in res:
            continue
        # Paired: the median of the per-pair ratios, not a ratio of medians.
        r = res[bm] / res[base]
        if bm.endswith(":vaccel") and bm.replace(":vaccel", ":ratio") in res:
            r = res[bm.replace(":vaccel", ":ratio")]
        goal = f"<= {target}" if target else note
        if what.startswith("start-up"):
            extra = res[bm.replace(":vaccel", ":extra")]
            floor = res.get(bm.replace(":vaccel", ":extra_floor"), 0)
            goal = (f"{note}; here +{human(extra)} (median of per-pair differences; "
                    f"two trivial shared objects: +{human(floor)})")
        print(f"| {what} | {human(res[bm])} | {base.split('/')[0].removeprefix('BM_')}: "
              f"{human(res[base])} | {r:.2f} | {goal} |")


if __name__ == "__main__":
    main()
