#!/usr/bin/env python3
"""How mim's commands grow with the repository: a benchmark run by hand, not by `cargo test`.

    cargo build --release --bin mim --example synth
    python3 benches/scale.py                 # N = 10, 1000, 10000, 50000
    python3 benches/scale.py 10 1000 10000   # or the sizes you have time for
    python3 benches/scale.py growth          # only the growth inside one incident

For each N it writes a repository with `examples/synth.rs` (kept in $MIM_BENCH_DIR,
default /tmp/mim-bench, and reused), reads every file once so the cache is warm, then
times each command RUNS times (default 5) and prints the median wall time, its ratio
to the N = 10 figure, and the peak memory (max RSS) of `check`. `check` is also set
against the floor of `cat`-ing the files it reads (mim.yaml, and each incident's
incident.yaml, timeline.yaml, plan.md, pir.md and updates/*.md) and of every file.
Last, it measures growth inside one incident: `update` on an incident with 1,000
updates against one with 1. Prints a Markdown table (the one in the README).

Everything is whole-process wall time (start-up included), so the small commands'
figures are mostly process start, config parsing and git. Times are in seconds.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
MIM = Path(os.environ.get("MIM", TARGET / "release" / "mim"))
SYNTH = Path(os.environ.get("SYNTH", TARGET / "release" / "examples" / "synth"))
WORK = Path(os.environ.get("MIM_BENCH_DIR", "/tmp/mim-bench"))
RUNS = int(os.environ.get("RUNS", "5"))
SEED = 7
NOW = "2026-11-30T12:00:00Z"
# The clock the commands see: a day after the repository's "now", so each timed
# mutation can happen at its own minute (--at) without being in the future.
CLOCK = "2026-12-01T12:00:00Z"


def run(args, cwd, env=None):
    """One run: (wall seconds, peak RSS in MiB, exit code)."""
    full_env = dict(os.environ, MIM_NOW=CLOCK, MIM_USER="Bench Runner", NO_COLOR="1")
    full_env.update(env or {})
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def median(make_args, cwd, env=None, runs=RUNS, codes=(0,)):
    """Median wall time and the largest peak RSS of `runs` runs (after one warm-up).
    A run that exits with a code not in `codes` stops the benchmark."""
    results = [run(make_args(k), cwd, env) for k in range(-1, runs)]
    for k, r in enumerate(results):
        if r[2] not in codes:
            sys.exit(f"{' '.join(make_args(k - 1))} exited {r[2]} in {cwd}")
    results = results[1:]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def generate(n, extra=()):
    name = f"n{n}" + "".join(f"-{a.strip('-')}" for a in extra)
    repo = WORK / name
    if not (repo / ".git").exists():
        subprocess.run(["rm", "-rf", str(repo)], check=True)
        WORK.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        subprocess.run(
            [str(SYNTH), "--incidents", str(n), "--out", str(repo), "--seed", str(SEED),
             "--now", NOW, *extra],
            check=True,
        )
        print(f"generated {name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    # Warm the cache: every file once.
    subprocess.run(
        "find . -path ./.git -prune -o -type f -print0 | xargs -0 cat >/dev/null",
        shell=True, cwd=repo, check=True,
    )
    return repo


def bench_incident(repo):
    """A fresh accepted P1 for the one-incident commands, the same at every N."""
    env = dict(os.environ, MIM_NOW=CLOCK, MIM_USER="Bench Runner")
    out = subprocess.run(
        [str(MIM), "--at", "2026-11-30T12:30:00Z", "declare", "--title", "Bench incident",
         "--service", "Website", "--impact", "high", "--urgency", "high", "--client", "acme"],
        cwd=repo, env=env, capture_output=True, text=True, check=True,
    )
    ident = out.stdout.strip()
    subprocess.run([str(MIM), "--at", "2026-11-30T12:35:00Z", "accept", ident], cwd=repo,
                   env=env, capture_output=True, check=True)
    return ident


def minute(k):
    """An --at for the k-th timed mutation, one minute apart after the repository's now."""
    return f"2026-11-30T{13 + (k + 1) // 60:02d}:{(k + 1) % 60:02d}:00Z"


CHECK_FILES = (
    "{ echo mim.yaml; find incidents -type f \\( -name incident.yaml -o -name timeline.yaml "
    "-o -name plan.md -o -name pir.md -o -path '*/updates/*.md' \\); } | xargs cat >/dev/null"
)
ALL_FILES = "find . -path ./.git -prune -o -type f -print0 | xargs -0 cat >/dev/null"


def head(repo):
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          text=True, check=True).stdout.strip()


def restore(repo, commit):
    """Undo the timed mutations: back to the generated commit, no stray files."""
    subprocess.run(["git", "reset", "--quiet", "--hard", commit], cwd=repo, check=True)
    subprocess.run(["git", "clean", "-qfd"], cwd=repo, check=True)


def measure(n):
    repo = generate(n)
    original = head(repo)
    mim = str(MIM)
    ident = bench_incident(repo)
    # Each mutation gets its own minute, and a batch of minutes per command and mode.
    batch = {"n": 0}

    def at(k):
        return minute(batch["n"] * 8 + k + 1)

    def mutation(args_of):
        batch["n"] += 1
        return median(lambda k: [mim, "--at", at(k), *args_of(k)], repo)

    figures = {}
    # check exits 1 when it finds a breach, as the generated history has.
    check = lambda k: [mim, "check", "--format", "json"]
    figures["check"] = median(check, repo, codes=(0, 1))
    figures["check (1 thread)"] = median(check, repo, {"RAYON_NUM_THREADS": "1"}, codes=(0, 1))
    figures["cat: files check reads"] = median(lambda k: ["sh", "-c", CHECK_FILES], repo)
    figures["cat: every file"] = median(lambda k: ["sh", "-c", ALL_FILES], repo)
    figures["report"] = median(lambda k: [mim, "report", "--format", "json"], repo)
    figures["status"] = median(lambda k: [mim, "status"], repo)
    figures["list"] = median(lambda k: [mim, "list"], repo)
    figures["show"] = median(lambda k: [mim, "show", ident], repo)
    for commit in (True, False):
        flag = [] if commit else ["--no-commit"]
        suffix = "" if commit else " --no-commit"
        figures["note" + suffix] = mutation(lambda k: [*flag, "note", ident, f"bench note {k}"])
        figures["update" + suffix] = mutation(
            lambda k: [*flag, "update", ident, "-m", f"Bench update {k}."]
        )
        figures["declare" + suffix] = mutation(
            lambda k: [*flag, "declare", "--title", f"Bench {n} {'c' if commit else 'n'} {k + 1}",
                       "--service", "Website", "--impact", "high", "--urgency", "high",
                       "--client", "acme"]
        )
    restore(repo, original)
    return figures


def growth():
    """`update` on an incident with 1,000 updates against one with 1."""
    repo = generate(10, ("--long", "1000"))
    original = head(repo)
    mim = str(MIM)
    long_id = [d.name for d in (repo / "incidents").iterdir() if "core-banking" in d.name][0]
    fresh = subprocess.run(
        [mim, "--at", "2026-11-30T12:00:00Z", "--no-commit", "declare", "--title", "One update",
         "--service", "Website", "--impact", "high", "--urgency", "high"],
        cwd=repo, env=dict(os.environ, MIM_NOW=CLOCK, MIM_USER="Bench"), capture_output=True,
        text=True, check=True,
    ).stdout.strip()
    for args in (["accept", fresh], ["update", fresh, "-m", "First."]):
        subprocess.run([mim, "--no-commit", "--at", "2026-11-30T12:05:00Z", *args], cwd=repo,
                       env=dict(os.environ, MIM_NOW=CLOCK, MIM_USER="Bench"), check=True)
    out = {}
    for label, ident in (("1 update", fresh), ("1,000 updates", long_id)):
        for flag in ([], ["--no-commit"]):
            key = f"update{' ' + flag[0] if flag else ''}: incident with {label}"
            base = 100 if flag else 200
            out[key] = median(
                lambda k: [mim, *flag, "--at", minute(base + k + (50 if "1,000" in label else 0)),
                           "update", ident, "-m", f"Bench {k}."],
                repo,
            )
    restore(repo, original)
    return out


def print_growth():
    g = growth()
    print("| growth inside one incident | median |")
    print("|---|---|")
    for k, (t, _) in g.items():
        print(f"| `{k}` | {t:.3f} s |")


def main():
    if sys.argv[1:] == ["growth"]:
        return print_growth()
    sizes = [int(a) for a in sys.argv[1:]] or [10, 1000, 10000, 50000]
    results = {}
    for n in sizes:
        results[n] = measure(n)
        print(f"measured N = {n}", file=sys.stderr)
    base = results.get(sizes[0])
    head = "| command | " + " | ".join(f"N = {n:,}" for n in sizes) + " |"
    print(head)
    print("|---" * (len(sizes) + 1) + "|")
    for name in base:
        cells = []
        for n in sizes:
            t, _ = results[n][name]
            ratio = t / base[name][0]
            cells.append(f"{t:.3f} s ({ratio:.1f}×)" if n != sizes[0] else f"{t:.3f} s")
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    rows = {
        "`check` ÷ cat of the files it reads": lambda r: r["check"][0] / r["cat: files check reads"][0],
        "`check` ÷ cat of every file": lambda r: r["check"][0] / r["cat: every file"][0],
        "`check` 1 thread ÷ 2 threads": lambda r: r["check (1 thread)"][0] / r["check"][0],
    }
    for label, f in rows.items():
        print(f"| {label} | " + " | ".join(f"{f(results[n]):.2f}" for n in sizes) + " |")
    for cmd in ("check", "report", "status"):
        print(f"| peak RSS of `{cmd}` | " + " | ".join(
            f"{results[n][cmd][1]:.0f} MiB" for n in sizes) + " |")
    print()
    print_growth()


if __name__ == "__main__":
    main()
