#!/usr/bin/env python3
"""Per-function instructions per call, SDK vs hand-written, from run_callgrind.sh's outputs.

Usage: python3 bench-results/callgrind_compare.py DIR SCENARIO [incl|excl] [TOP]
e.g.   python3 bench-results/callgrind_compare.py /tmp/cocoon-callgrind async_find_contact excl 20
Per call = (Ir at 1,200 calls - Ir at 200 calls) / 1,000, for each function.
"""
import re
import subprocess
import sys


def load(path, inclusive):
    out = subprocess.run(
        ["callgrind_annotate", "--inclusive=" + ("yes" if inclusive else "no"), "--threshold=100", path],
        capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+\S*?:(.*) \[", line)
        if m:
            costs[m.group(2)] = costs.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
    return costs


def per_call(prefix, inclusive):
    few, many = load(prefix + "-200.out", inclusive), load(prefix + "-1200.out", inclusive)
    return {k: (many.get(k, 0) - few.get(k, 0)) / 1000 for k in set(few) | set(many)}


def main():
    folder, scenario = sys.argv[1], sys.argv[2]
    inclusive = len(sys.argv) > 3 and sys.argv[3] == "incl"
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    sdk = per_call(f"{folder}/{scenario}-sdk", inclusive)
    hand = per_call(f"{folder}/{scenario}-hand", inclusive)
    rows = [(sdk.get(k, 0) - hand.get(k, 0), sdk.get(k, 0), hand.get(k, 0), k) for k in set(sdk) | set(hand)]
    rows.sort(key=lambda r: -abs(r[0]))
    print("%8s %8s %8s  %s" % ("sdk-hand", "sdk", "hand", "function (instructions per call)"))
    for diff, s, h, name in rows[:top]:
        print("%8.0f %8.0f %8.0f  %s" % (diff, s, h, name[:140]))


if __name__ == "__main__":
    main()
