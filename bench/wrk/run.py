#!/usr/bin/env python3
"""Runs wrk once and prints one JSON line: wrk's figures, wrk's own CPU (so a run whose load tool
was the bound shows), and the CPU of the processes named with --pid NAME=PID during the run.

usage: run.py [--pid NAME=PID ...] [--body FILE] -- URL [extra wrk args]
"""
import argparse, json, os, re, subprocess, sys, time

from cpu import cpu_seconds

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid", action="append", default=[], help="NAME=PID of a process whose CPU to report")
    parser.add_argument("--body", help="file sent as a POST body")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--label", default="")
    parser.add_argument("url")
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()

    pids = dict(p.split("=", 1) for p in args.pid)
    env = dict(os.environ, WRK_BODY_FILE=args.body or "")
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.monotonic()
    wrk_before = os.times()
    out = subprocess.run(
        ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", args.duration, "--timeout", "5s",
         "-s", os.path.join(HERE, "summary.lua"), *args.extra, args.url],
        env=env, capture_output=True, text=True, check=True).stdout
    wall = time.monotonic() - started
    wrk_after = os.times()
    result = json.loads(re.search(r"^WRK_JSON (.*)$", out, re.M).group(1))
    result["label"] = args.label
    result["url"] = args.url
    result["connections"] = args.connections
    wrk_cpu = (wrk_after.children_user - wrk_before.children_user) + (wrk_after.children_system - wrk_before.children_system)
    result["cores"] = {"wrk": round(wrk_cpu / wall, 3)}
    for name, pid in pids.items():
        result["cores"][name] = round((cpu_seconds(pid) - before[name]) / wall, 3)
    # CPU per request of each named process, in ms: what "cheaper" means once throughput is capped.
    result["cpu_ms_per_request"] = {
        name: round(cores * wall * 1000 / max(result["requests"], 1), 4)
        for name, cores in result["cores"].items()
    }
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
