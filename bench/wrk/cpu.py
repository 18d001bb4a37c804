#!/usr/bin/env python3
"""CPU seconds used so far by named processes, as JSON: cpu.py NAME=PID ... [tree:NAME=PID ...].

A plain NAME=PID counts the process (and the children it has reaped). tree:NAME=PID counts a
process and all its live descendants too — PostgreSQL's backends are children of the postmaster
that live as long as their pooled connection, so they are never reaped during a run.
"""
import json, os, sys

TICKS = os.sysconf("SC_CLK_TCK")


def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), sum(int(x) for x in fields[11:15])  # ppid, utime+stime+cutime+cstime


def tree_ticks(root):
    parents, ticks = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)], ticks[int(entry)] = stat(entry)
            except (FileNotFoundError, ProcessLookupError):
                pass
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in members]
        members.update(children)
        frontier.extend(children)
    return sum(ticks.get(pid, 0) for pid in members)


def cpu_seconds(pid):
    """utime + stime of a process and of the children it has reaped."""
    return stat(pid)[1] / TICKS


if __name__ == "__main__":
    result = {}
    for arg in sys.argv[1:]:
        tree = arg.startswith("tree:")
        name, pid = arg.removeprefix("tree:").split("=", 1)
        result[name] = tree_ticks(int(pid)) / TICKS if tree else cpu_seconds(pid)
    print(json.dumps(result))
