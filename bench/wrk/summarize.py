#!/usr/bin/env python3
"""Reads run.py's JSON lines (files or stdin) and prints a markdown table: per label the median of
the runs with min–max, as docs/benchmarks.md quotes them.

usage: summarize.py [--server NAME] FILE...
"""
import argparse, collections, json, statistics, sys


def spread(values, fmt):
    values = sorted(values)
    median = statistics.median(values)
    if len(values) == 1:
        return fmt.format(median)
    return f"{fmt.format(median)} ({fmt.format(values[0])}–{fmt.format(values[-1])})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="server", help="the --pid NAME whose CPU is the server's (the row's label names it)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    runs = collections.OrderedDict()
    for path in args.files:
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                runs.setdefault(r["label"], []).append(r)

    print(f"| what | runs | req/s | p50 ms | p99 ms | non-2xx | wrk cores | server cores | server CPU ms/req |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, rs in runs.items():
        print("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            label, len(rs),
            spread([r["rps"] for r in rs], "{:,.0f}"),
            spread([r["p50_ms"] for r in rs], "{:.1f}"),
            spread([r["p99_ms"] for r in rs], "{:.1f}"),
            sum(r["errors"]["status"] + r["errors"]["timeout"] for r in rs),
            spread([r["cores"]["wrk"] for r in rs], "{:.2f}"),
            spread([r["cores"].get(args.server, 0) for r in rs], "{:.2f}"),
            spread([r["cpu_ms_per_request"].get(args.server, 0) for r in rs], "{:.3f}")))


if __name__ == "__main__":
    sys.exit(main())
