#!/usr/bin/env python3
"""open_model.py's JSON lines (files) as the markdown table docs/benchmarks.md quotes: one row per
label, each figure the median of its runs with min–max.

usage: open_model_table.py FILE...
"""
import collections, json, os, statistics, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk"))
from summarize import spread  # noqa: E402


def main(files):
    runs = collections.OrderedDict()
    for path in files:
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                runs.setdefault(r["label"], []).append(r)

    print("| what | runs | accepted/s | stored/s during load | backlog growth/s | end-to-end p50 ms | p99 ms | HTTP p99 ms | lost | load tool cores | busiest parts (cores) | peak memory MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, rs in runs.items():
        fig = lambda key, fmt: spread([r[key] for r in rs], fmt) if all(key in r for r in rs) else "—"
        cores = collections.defaultdict(list)
        memory = collections.defaultdict(list)
        for r in rs:
            for name, c in r.get("cores", {}).items():
                cores[name].append(c)
            for name, m in r.get("peak_rss_mib", {}).items():
                memory[name].append(m)
        busiest = sorted(((statistics.median(v), k) for k, v in cores.items()), reverse=True)[:4]
        print(f"| {label} | {len(rs)} | {fig('accepted_per_s', '{:,.0f}')} | {fig('stored_per_s_during_load', '{:,.0f}')} | "
              f"{fig('backlog_growth_per_s', '{:.1f}')} | {fig('e2e_p50_ms', '{:,.0f}')} | {fig('e2e_p99_ms', '{:,.0f}')} | "
              f"{spread([r['http_ms']['p99'] for r in rs], '{:,.1f}')} | {sum(r['lost'] for r in rs)} | {fig('load_tool_cores', '{:.2f}')} | "
              f"{', '.join(f'{k} {c:.2f}' for c, k in busiest) or '—'} | "
              f"{', '.join(f'{k} {max(v):,.0f}' for k, v in sorted(memory.items())) or '—'} |")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
