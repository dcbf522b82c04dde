#!/usr/bin/env python3
"""How mim's commands grow with the repository: a benchmark run by hand, not by `cargo test`.

    cargo build --release --bin mim --example synth
    python3 benches/scale.py                 # N = 10, 1000, 10000, 50000
    python3 benches/scale.py 10 1000 10000   # or the sizes you have time for
    python3 benches/scale.py growth          # only the growth inside one incident

For each N it writes a repository with `examples/synth.rs` (kept in $MIM_BENCH_DIR,
default /tmp/mim-bench, and reused; over 4 years up to 10,000 incidents, then over as
many as keep about 7 a day: 50,000 over 20 years), reads
every file once so the cache is warm, then times each command RUNS times (default 5)
on every repository in turn — N = 10, 1,000, …, then again — so that a machine whose
speed drifts (other builds) moves every N alike. It prints the median wall time of
each command, its ratio to the N = 10 figure, the median CPU time (user + system),
and peak memory (max RSS). The mutations are `note`, `update`, `escalate` and `declare`, each with its commit and
with `--no-commit`. `check` is set against the floor of `cat`-ing the files
it reads (mim.yaml, and each incident's incident.yaml, timeline.yaml, plan.md,
pir.md and updates/*.md) and of every file. Last, growth inside one incident:
`update` on an incident with 1,000 updates against one with 1.

Every figure is the whole process (start-up included), in seconds.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
MIM = str(os.environ.get("MIM", TARGET / "release" / "mim"))
SYNTH = str(os.environ.get("SYNTH", TARGET / "release" / "examples" / "synth"))
WORK = Path(os.environ.get("MIM_BENCH_DIR", "/tmp/mim-bench"))
RUNS = int(os.environ.get("RUNS", "5"))
SEED = 7
NOW = "2026-11-30T12:00:00Z"
# The clock the commands see: a day after the repository's "now", so each timed
# mutation can happen at its own minute (--at) without being in the future.
CLOCK = "2026-12-01T12:00:00Z"
ENV = dict(os.environ, MIM_NOW=CLOCK, MIM_USER="Bench Runner", NO_COLOR="1")

CHECK_FILES = (
    "{ echo mim.yaml; find incidents -type f \\( -name incident.yaml -o -name timeline.yaml "
    "-o -name plan.md -o -name pir.md -o -path '*/updates/*.md' \\); } | xargs cat >/dev/null"
)
ALL_FILES = "find . -path ./.git -prune -o -type f -print0 | xargs -0 cat >/dev/null"


def run(args, cwd, env=None):
    """One run: (wall seconds, CPU seconds, peak RSS in MiB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=dict(ENV, **(env or {})),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True,
                          check=True).stdout.strip()


def generate(n, extra=()):
    name = f"n{n}" + "".join(f"-{a.strip('-')}" for a in extra)
    repo = WORK / name
    if not (repo / ".git").exists():
        subprocess.run(["rm", "-rf", str(repo)], check=True)
        WORK.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        subprocess.run([SYNTH, "--incidents", str(n), "--out", str(repo), "--seed", str(SEED),
                        "--now", NOW, "--years", str(years(n)), *extra], check=True)
        print(f"generated {name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    subprocess.run(ALL_FILES, shell=True, cwd=repo, check=True)  # a warm cache
    return repo


def years(n):
    """Over how many years N incidents were reported: 4 up to 10,000, then as many as keep
    the rate of 10,000 in 4 years (about 7 a day), so that a larger repository is a
    longer history, not a busier month."""
    return max(4, -(-n // 2500))


def minute(k):
    """The --at of the k-th timed mutation: one minute apart after the repository's now."""
    return f"2026-11-30T{13 + k // 60:02d}:{k % 60:02d}:00Z"


def bench_incident(repo):
    """A fresh accepted P1 for the one-incident commands, the same at every N."""
    ident = sh([MIM, "--at", "2026-11-30T12:30:00Z", "declare", "--title", "Bench incident",
                "--service", "Website", "--impact", "high", "--urgency", "high",
                "--client", "acme"], repo)
    sh([MIM, "--at", "2026-11-30T12:35:00Z", "accept", ident], repo)
    return ident


def commands(ident):
    """(name, args for run k, extra environment, accepted exit codes) of every command."""
    out = [
        # check exits 1 when it finds a breach, as the generated history has.
        ("check", lambda k: [MIM, "check", "--format", "json"], None, (0, 1)),
        ("check (1 thread)", lambda k: [MIM, "check", "--format", "json"],
         {"RAYON_NUM_THREADS": "1"}, (0, 1)),
        ("cat: files check reads", lambda k: ["sh", "-c", CHECK_FILES], None, (0,)),
        ("cat: every file", lambda k: ["sh", "-c", ALL_FILES], None, (0,)),
        ("report", lambda k: [MIM, "report", "--format", "json"], None, (0,)),
        ("status", lambda k: [MIM, "status"], None, (0,)),
        ("list", lambda k: [MIM, "list"], None, (0,)),
        ("show", lambda k: [MIM, "show", ident[0]], None, (0,)),
    ]
    # Each mutation at its own minute: a block of minutes per command.
    block = 0
    for commit in (True, False):
        flag = [] if commit else ["--no-commit"]
        suffix = "" if commit else " --no-commit"
        mutations = [
            ("note", lambda k: ["note", ident[0], f"bench note {k}"]),
            ("update", lambda k: ["update", ident[0], "-m", f"Bench update {k}."]),
            ("escalate", lambda k: ["escalate", ident[0], "--kind", "sme", "--to",
                                    f"Bench SME {k}", "--reason", "bench"]),
            ("declare", lambda k, c=commit: [
                "declare", "--title", f"Bench {'c' if c else 'n'} {k + 1}", "--service",
                "Website", "--impact", "high", "--urgency", "high", "--client", "acme"]),
        ]
        for name, args in mutations:
            block += 1
            out.append((name + suffix,
                        lambda k, b=block, a=args, f=flag: [MIM, *f, "--at",
                                                            minute(b * 10 + k + 1), *a(k)],
                        None, (0,)))
    return out


def measure(sizes):
    """{N: {command: (median wall, median cpu, peak MiB)}}, every N in turn for each run."""
    repos = {n: generate(n) for n in sizes}
    originals = {n: sh(["git", "rev-parse", "HEAD"], repos[n]) for n in sizes}
    idents = {n: [bench_incident(repos[n])] for n in sizes}
    names = [c[0] for c in commands(["x"])]
    table = {n: {} for n in sizes}
    try:
        for i, name in enumerate(names):
            samples = {n: [] for n in sizes}
            for k in range(-1, RUNS):  # run -1 is a warm-up
                for n in sizes:
                    _, make, env, codes = commands(idents[n])[i]
                    r = run(make(k), repos[n], env)
                    if r[3] not in codes:
                        sys.exit(f"{' '.join(make(k))} exited {r[3]} in {repos[n]}")
                    if k >= 0:
                        samples[n].append(r)
            for n in sizes:
                s = samples[n]
                table[n][name] = (statistics.median(r[0] for r in s),
                                  statistics.median(r[1] for r in s), max(r[2] for r in s))
            print(f"measured {name}", file=sys.stderr)
    finally:
        for n in sizes:  # undo the timed mutations
            subprocess.run(["git", "reset", "--quiet", "--hard", originals[n]], cwd=repos[n])
            subprocess.run(["git", "clean", "-qfd"], cwd=repos[n])
    return table


def print_table(sizes, table):
    base = table[sizes[0]]
    print("| command | " + " | ".join(f"N = {n:,}" for n in sizes) + " |")
    print("|---" * (len(sizes) + 1) + "|")
    for name in base:
        cells = []
        for n in sizes:
            t = table[n][name][0]
            cells.append(f"{t:.3f} s" if n == sizes[0] else f"{t:.3f} s ({t / base[name][0]:.1f}×)")
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    ratios = {
        "`check` ÷ cat of the files it reads": ("check", "cat: files check reads"),
        "`check` ÷ cat of every file": ("check", "cat: every file"),
        "`check` 1 thread ÷ 2 threads": ("check (1 thread)", "check"),
    }
    for label, (a, b) in ratios.items():
        print(f"| {label} | " + " | ".join(
            f"{table[n][a][0] / table[n][b][0]:.2f}" for n in sizes) + " |")
    for name in ("check", "report", "status", "list"):
        print(f"| CPU s (user + sys) of `{name}` | " + " | ".join(
            f"{table[n][name][1]:.3f}" for n in sizes) + " |")
    for name in ("check", "report", "status", "list"):
        print(f"| peak RSS of `{name}` | " + " | ".join(
            f"{table[n][name][2]:.0f} MiB" for n in sizes) + " |")


def growth():
    """`update` on an incident with 1,000 updates against one with 1, in turn."""
    repo = generate(10, ("--long", "1000"))
    original = sh(["git", "rev-parse", "HEAD"], repo)
    long_id = next(d.name for d in (repo / "incidents").iterdir() if "core-banking" in d.name)
    fresh = sh([MIM, "--at", "2026-11-30T12:00:00Z", "declare", "--title", "One update",
                "--service", "Website", "--impact", "high", "--urgency", "high"], repo)
    sh([MIM, "--at", "2026-11-30T12:05:00Z", "accept", fresh], repo)
    sh([MIM, "--at", "2026-11-30T12:06:00Z", "update", fresh, "-m", "First."], repo)
    cases = [(f"update{' --no-commit' if flag else ''}: incident with {label}", ident, flag, b)
             for b, (flag, label, ident) in enumerate(
                 (f, l, i) for f in ([], ["--no-commit"])
                 for l, i in (("1 update", fresh), ("1,000 updates", long_id)))]
    samples = {name: [] for name, *_ in cases}
    try:
        for k in range(-1, RUNS):
            for name, ident, flag, b in cases:
                r = run([MIM, *flag, "--at", minute(b * 10 + k + 1), "update", ident, "-m",
                         f"Bench {k}."], repo)
                if r[3] != 0:
                    sys.exit(f"{name} exited {r[3]}")
                if k >= 0:
                    samples[name].append(r)
    finally:
        subprocess.run(["git", "reset", "--quiet", "--hard", original], cwd=repo)
        subprocess.run(["git", "clean", "-qfd"], cwd=repo)
    print("| growth inside one incident | wall (median) | CPU (median) |")
    print("|---|---|---|")
    for name, s in samples.items():
        wall = statistics.median(r[0] for r in s)
        cpu = statistics.median(r[1] for r in s)
        print(f"| `{name}` | {wall:.3f} s | {cpu:.3f} s |")


def main():
    if sys.argv[1:] == ["growth"]:
        return growth()
    sizes = [int(a) for a in sys.argv[1:]] or [10, 1000, 10000, 50000]
    print_table(sizes, measure(sizes))
    print()
    growth()


if __name__ == "__main__":
    main()
