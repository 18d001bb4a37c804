#!/usr/bin/env python3
"""Top frames of a dotnet-trace Speedscope file (dotnet-trace collect --format Speedscope).

dotnet-trace samples every managed thread, waiting ones too; time in frames that only wait
(thread-pool/socket/semaphore waits, idle threads) is left out so what remains is CPU work.
Prints exclusive time per frame and inclusive time per frame whose name matches --match.

usage: top-frames.py FILE.speedscope.json [--top 25] [--match REGEX]
"""
import argparse, collections, json, re

WAITING = re.compile(r"WaitHandle|Monitor\.Wait|LowLevelLifoSemaphore|WaitForSignal|SemaphoreSlim\.Wait|"
                     r"Thread\.Sleep|epoll|ManualResetEventSlim\.Wait|WaitOneCore|WaitNative|Interop\+Sys\.Wait|"
                     r"PortableThreadPool\+GateThread|SocketAsyncEngine\.EventLoop|Interop\+Sys\.Poll|"
                     r"TimerQueue\.TimerThread|ThreadPoolWorkQueue\.Dispatch$|CLR_THREAD_WAIT")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default=r"Distributed\.|Npgsql|EntityFrameworkCore|NATS|OpenTelemetry|System\.Text\.Json|AspNetCore")
    args = parser.parse_args()

    doc = json.load(open(args.file))
    frames = [f["name"] for f in doc["shared"]["frames"]]
    exclusive = collections.Counter()
    inclusive = collections.Counter()
    for profile in doc["profiles"]:
        stack, opened = [], []
        last = profile.get("startValue", 0)
        for event in profile["events"]:
            at = event["at"]
            if stack:
                span = at - last
                names = [frames[i] for i in stack]
                if not any(WAITING.search(n) for n in names):
                    # CPU_TIME / UNMANAGED_CODE_TIME are markers under the frame that ran.
                    leaf = names[-1]
                    if leaf in ("CPU_TIME", "UNMANAGED_CODE_TIME") and len(names) > 1:
                        leaf = f"{names[-2]}  [{'managed' if leaf == 'CPU_TIME' else 'native'}]"
                    exclusive[leaf] += span
                    for name in set(names):
                        inclusive[name] += span
            last = at
            if event["type"] == "O":
                stack.append(event["frame"])
            else:
                stack.pop()

    busy = sum(exclusive.values())
    print(f"busy (not waiting) thread time: {busy:.0f} ms")
    print("\n## exclusive")
    for name, ms in exclusive.most_common(args.top):
        print(f"{ms / busy * 100:5.1f}%  {name[:160]}")
    print(f"\n## inclusive, frames matching {args.match}")
    match = re.compile(args.match)
    for name, ms in [(n, t) for n, t in inclusive.most_common() if match.search(n)][: args.top]:
        print(f"{ms / busy * 100:5.1f}%  {name[:160]}")


if __name__ == "__main__":
    main()
