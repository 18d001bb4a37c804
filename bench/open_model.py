#!/usr/bin/env python3
"""One fixed-rate run on a running pipeline, as one JSON line: what the clients saw (the bench
tool's `load`), what reached PostgreSQL (the aggregator's /stats, until every accepted task is a
row), how late (Prometheus: histogram_quantile over the aggregator's task_end_to_end_seconds) and,
with --track, each local part's cores and peak memory from /proc.

usage: open_model.py --label TEXT --rate N --duration 30s [--gateway URL] [--aggregator URL]
                     [--prometheus URL | --no-prometheus] [--track] [--drain SECONDS]
"""
import argparse, json, math, os, re, subprocess, sys, threading, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk"))
from cpu import cpu_seconds, tree_ticks, TICKS  # noqa: E402

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "tool", "Distributed.Bench.dll")
SERVICE = re.compile(r"Distributed\.(Gateway|Processor|Enricher|Aggregator)(\.dll)?$")


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def stored(aggregator):
    return get_json(f"{aggregator}/stats")["total_results"]


def prometheus(base, query, at):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": query, "time": f"{at:.3f}"})
    result = get_json(url)["data"]["result"]
    return float(result[0]["value"][1]) if result else float("nan")


def parts():
    """Local processes by component: the four services (by hand or under the AppHost), nats-server, PostgreSQL."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
            comm = open(f"/proc/{entry}/comm").read().strip()
            ppid = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            parent = open(f"/proc/{ppid}/comm").read().strip() if ppid > 1 else ""
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        names = [a.decode(errors="replace") for a in argv[:2]]
        service = next((m.group(1).lower() for m in map(SERVICE.search, names) if m), None)
        if service:
            found.setdefault(service, []).append(("pid", int(entry)))
        elif comm == "nats-server":
            found.setdefault("nats-server", []).append(("pid", int(entry)))
        elif comm == "postgres" and parent != "postgres":
            found.setdefault("postgres", []).append(("tree", int(entry)))  # a postmaster and its backends
    return found


def cpu(tracked):
    total = {}
    for name, members in tracked.items():
        try:
            total[name] = sum(tree_ticks(pid) / TICKS if kind == "tree" else cpu_seconds(pid) for kind, pid in members)
        except (FileNotFoundError, ProcessLookupError):
            total[name] = None  # a part killed during the run (failure injection)
    return total


def sample_memory(tracked, peak, stop):
    while not stop.wait(1):
        for name, members in tracked.items():
            rss = 0
            for _, pid in members:
                try:
                    rss += next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
                except (FileNotFoundError, ProcessLookupError, StopIteration):
                    pass
            peak[name] = max(peak.get(name, 0), rss / 1024)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--label", required=True)
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--duration", default="30s", help="30s, 5m")
    p.add_argument("--gateway", default=os.environ.get("GATEWAY", "http://127.0.0.1:3000"))
    p.add_argument("--aggregator", default=os.environ.get("AGGREGATOR", "http://127.0.0.1:3001"))
    p.add_argument("--prometheus", default=os.environ.get("PROMETHEUS", "http://127.0.0.1:9092"))
    p.add_argument("--no-prometheus", action="store_true")
    p.add_argument("--track", action="store_true")
    p.add_argument("--drain", type=float, default=300)
    a = p.parse_args()
    seconds = float(a.duration[:-1]) * (60 if a.duration.endswith("m") else 1)

    tracked = parts() if a.track else {}
    peak, stop = {}, threading.Event()
    sampler = threading.Thread(target=sample_memory, args=(tracked, peak, stop), daemon=True)
    sampler.start()
    before_cpu, before = cpu(tracked), stored(a.aggregator)
    started, tool_before = time.time(), os.times()
    load = json.loads(subprocess.run(
        ["dotnet", TOOL, "load", "--url", a.gateway, "--rate", str(a.rate), "--duration", f"00:00:{seconds:02.0f}" if seconds < 60 else time.strftime("%H:%M:%S", time.gmtime(seconds))],
        capture_output=True, text=True, check=True).stdout)
    load_end, tool_after = time.time(), os.times()
    # The load tool's own cores: a run it bounded would measure the tool, not the pipeline.
    tool_cpu = (tool_after.children_user - tool_before.children_user) + (tool_after.children_system - tool_before.children_system)
    at_load_end = stored(a.aggregator) - before
    deadline = load_end + a.drain
    while (now := stored(a.aggregator) - before) < load["accepted"] and time.time() < deadline:
        time.sleep(0.2)
    drained = time.time()
    after_cpu = cpu(tracked)
    stop.set()

    result = {"label": a.label, **load, "stored": now, "lost": max(0, load["accepted"] - now),
              "stored_per_s_during_load": round(at_load_end / (load_end - started), 1),
              "stored_per_s": round(now / (drained - started), 1), "drain_s": round(drained - load_end, 1),
              "backlog_at_load_end": load["accepted"] - at_load_end, "load_tool_cores": round(tool_cpu / (load_end - started), 3)}
    if not a.no_prometheus:
        # Wait for a scrape after the last row, then let Prometheus compute what the run saw.
        while prometheus(a.prometheus, "max(timestamp(results_stored_total))", time.time()) < drained and time.time() < drained + 30:
            time.sleep(0.5)
        at, window = time.time(), math.ceil(time.time() - started)
        for q in (50, 99):
            seconds_q = prometheus(a.prometheus, f"histogram_quantile({q / 100}, sum by (le) (increase(task_end_to_end_seconds_bucket[{window}s])))", at)
            result[f"e2e_p{q}_ms"] = round(seconds_q * 1000, 1)
        # Accepted/s minus stored/s over the load's second half: > 0 means the offered rate is past what
        # the pipeline keeps up with. Each rate from its own series, as the two are scraped at different instants.
        half = max(10, math.ceil((load_end - started) / 2))
        result["backlog_growth_per_s"] = round(prometheus(
            a.prometheus, f'sum(rate(http_requests_total{{path="/tasks",status="202"}}[{half}s])) - sum(rate(results_stored_total[{half}s]))', load_end), 1)
    if tracked:
        wall = drained - started
        result["cores"] = {n: round((after_cpu[n] - before_cpu[n]) / wall, 3) for n in tracked if after_cpu[n] is not None}
        result["cpu_ms_per_stored_task"] = {n: round(c * wall * 1000 / max(now, 1), 4) for n, c in result["cores"].items()}
        result["peak_rss_mib"] = {n: round(m) for n, m in peak.items()}
    print(json.dumps(result))
    return 1 if result["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
