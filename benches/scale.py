#!/usr/bin/env python3
"""How mim's commands grow with the repository: a benchmark run by hand, not by `cargo test`.

    cargo build --release --bin mim --example synth
    python3 benches/scale.py                 # N = 10, 1000, 10000, 50000
    python3 benches/scale.py 10 1000 10000   # or the sizes you have time for
    python3 benches/scale.py growth          # only the growth inside one incident

For each N it writes a repository with `examples/synth.rs` (its fast path: each
incident's commands in a scratch repository, every file streamed into one
`git fast-import` commit), kept in $MIM_BENCH_DIR (default /tmp/mim-bench) and reused,
and says how long that took and its peak memory. The incidents are spread over 4 years
up to 10,000 incidents, then over as many as keep about 7 a day (50,000 over 20 years),
in the layout $LAYOUT (monthly: incidents/YYYY/MM/ID/, the default; or flat).

Each repository is measured twice: in a full work tree, and (unless SPARSE=0) in a
sparse one, a clone sharing its objects whose work tree is a `git sparse-checkout`
cone of mim.yaml, templates/ and the incidents of the last 3 months, with git's sparse
index (`mim sparse --months 3` where mim has it, else `git sparse-checkout set --cone
--sparse-index` here). A command that fails in a work tree is reported as failing,
with its message, and not timed further there.

It reads every file once so the cache is warm, then times each command RUNS times
(default 5, after a warm-up run) on every repository in turn — N = 10, 1,000, …, full
then sparse, then again — so that a machine whose speed drifts (other builds on the
same cores) moves every N alike: ratios hold better than absolute times. It prints the
median wall time of each command and its ratio to the smallest N, peak memory (max
RSS, the command and its child processes), the size of the largest tree object each
committing command writes (from `git diff-tree -r -t` of its commit), and the median
CPU time of the reading commands. The mutations are `note`, `update`, `escalate` and
`declare`, each with its commit and with `--no-commit`; beside them git's own cost for
the same change in the same checkout: `git add` + `git commit` of one changed file,
and a bare `git update-index` of one changed path. `check` (and `check --no-cache`,
where mim has it) is set against the floor of `cat`-ing the files it reads (mim.yaml,
and each incident's incident.yaml, timeline.yaml, plan.md, pir.md and updates/*.md) and
of every file. Last, growth inside one incident: `update` on an incident with 1,000
updates against one with 1.

Every figure is the whole process (start-up included), in seconds.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
MIM = str(os.environ.get("MIM", TARGET / "release" / "mim"))
SYNTH = str(os.environ.get("SYNTH", TARGET / "release" / "examples" / "synth"))
WORK = Path(os.environ.get("MIM_BENCH_DIR", "/tmp/mim-bench"))
RUNS = int(os.environ.get("RUNS", "5"))
LAYOUT = os.environ.get("LAYOUT", "monthly")
SPARSE = os.environ.get("SPARSE", "1") != "0"
MONTHS = 3
SEED = 7
NOW = "2026-11-30T12:00:00Z"
# The clock the commands see: a day after the repository's "now", so each timed
# mutation can happen at its own minute (--at) without being in the future.
CLOCK = "2026-12-01T12:00:00Z"
ENV = dict(os.environ, MIM_NOW=CLOCK, MIM_USER="Bench Runner", NO_COLOR="1",
           GIT_AUTHOR_NAME="Bench Runner", GIT_AUTHOR_EMAIL="bench@msp.example",
           GIT_COMMITTER_NAME="Bench Runner", GIT_COMMITTER_EMAIL="bench@msp.example")

CHECK_FILES = (
    "{ echo mim.yaml; find incidents -type f \\( -name incident.yaml -o -name timeline.yaml "
    "-o -name plan.md -o -name pir.md -o -path '*/updates/*.md' \\); } | xargs cat >/dev/null"
)
ALL_FILES = "find . -path ./.git -prune -o -type f -print0 | xargs -0 cat >/dev/null"

# How long each repository took to write: {name: (wall, cpu, peak MiB)}.
GENERATED = {}
# Each measured repository: {(variant, N): describe(repo)}.
SHAPES = {}


def run(args, cwd, env=None):
    """One run: (wall seconds, CPU seconds, peak RSS in MiB, exit code, stderr)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            args, cwd=cwd, env=dict(ENV, **(env or {})),
            stdout=subprocess.DEVNULL, stderr=err,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        message = err.read().decode(errors="replace").strip()
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), message


def sh(args, cwd, check=True):
    return subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True,
                          check=check).stdout.strip()


def mim_has(args, word):
    """Whether `mim ARGS --help` mentions WORD (a flag or subcommand on some branches only)."""
    out = subprocess.run([MIM, *args, "--help"], capture_output=True, text=True)
    return out.returncode == 0 and word in out.stdout


def generate(n, extra=()):
    name = f"n{n}-{LAYOUT}" + "".join(f"-{a.strip('-')}" for a in extra)
    repo = WORK / name
    if not (repo / ".git").exists():
        subprocess.run(["rm", "-rf", str(repo)], check=True)
        WORK.mkdir(parents=True, exist_ok=True)
        r = run([SYNTH, "--incidents", str(n), "--out", str(repo), "--seed", str(SEED),
                 "--now", NOW, "--years", str(years(n)), "--layout", LAYOUT, *extra], WORK)
        if r[3] != 0:
            sys.exit(f"synth failed for {name}: {r[4]}")
        GENERATED[name] = r[:3]
        print(f"generated {name} in {r[0]:.0f} s, peak {r[2]:.0f} MiB", file=sys.stderr)
    subprocess.run(ALL_FILES, shell=True, cwd=repo, check=True)  # a warm cache
    return repo


def recent_dirs(repo):
    """The incident directories (monthly: month directories) of the last MONTHS months."""
    year, month = int(NOW[:4]), int(NOW[5:7])
    months = []
    for _ in range(MONTHS):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    if LAYOUT == "monthly":
        return [f"incidents/{y}/{m:02d}" for y, m in months]
    prefixes = tuple(f"{y}-{m:02d}-" for y, m in months)
    names = sh(["git", "ls-tree", "--name-only", "HEAD", "incidents/"], repo).splitlines()
    return [p for p in names if p.split("/")[-1].startswith(prefixes)]


def sparse_copy(full):
    """A clone of `full` (its objects hard-linked) with a sparse work tree of the recent
    months; the same commit, so the same incidents. Made anew for every run (in seconds),
    as files a command writes outside the cone stay behind in the work tree."""
    repo = full.parent / f"{full.name}-sparse"
    subprocess.run(["rm", "-rf", str(repo)], check=True)
    # `--sparse`: only the files at the top (mim.yaml) are checked out, so that mim
    # finds its repository and sets the cone.
    sh(["git", "clone", "--quiet", "--local", "--sparse", str(full), str(repo)], WORK)
    sh(["git", "remote", "remove", "origin"], repo)
    sh(["git", "config", "index.skipHash", "true"], repo)
    if mim_has(["sparse"], "--months"):
        sh([MIM, "sparse", "--months", str(MONTHS)], repo)
    else:
        dirs = recent_dirs(repo)
        sh(["git", "sparse-checkout", "set", "--cone", "--sparse-index", "templates", *dirs], repo)
        sh(["git", "checkout", "--quiet", "HEAD"], repo)
    subprocess.run(ALL_FILES, shell=True, cwd=repo, check=True)
    return repo


def describe(repo):
    """(files in HEAD, index entries, index MiB, files in the work tree)."""
    files = int(sh(["sh", "-c", "git ls-tree -r HEAD | wc -l"], repo))
    entries = int(sh(["sh", "-c", "git ls-files --sparse | wc -l"], repo))
    index = (repo / ".git" / "index").stat().st_size / 2**20
    tree = int(sh(["sh", "-c", "find . -path ./.git -prune -o -type f -print | wc -l"], repo))
    return files, entries, index, tree


def years(n):
    """Over how many years N incidents were reported: 4 up to 10,000, then as many as keep
    the rate of 10,000 in 4 years (about 7 a day), so that a larger repository is a
    longer history, not a busier month."""
    return max(4, -(-n // 2500))


def minute(k):
    """The --at of the k-th timed mutation: one minute apart after the repository's now."""
    return f"2026-11-30T{13 + k // 60:02d}:{k % 60:02d}:00Z"


def bench_incident(repo):
    """A fresh accepted P1 for the one-incident commands, the same at every N, the oldest
    incident (outside a sparse cone), and the file git's own commits change."""
    ident = sh([MIM, "--at", "2026-11-30T12:30:00Z", "declare", "--title", "Bench incident",
                "--service", "Website", "--impact", "high", "--urgency", "high",
                "--client", "acme"], repo)
    sh([MIM, "--at", "2026-11-30T12:35:00Z", "accept", ident], repo)
    oldest = sh(["sh", "-c", "git ls-tree -r -d --name-only HEAD incidents/ | "
                 "grep -E '/[0-9]{4}-[0-9]{2}-[0-9]{2}-[^/]*$' | sort -t/ -k2 | head -1"],
                repo).split("/")[-1]
    # A YAML comment at the end of its record changes nothing mim reads.
    path = sh(["git", "ls-files", "--", f"*{ident}/incident.yaml"], repo)
    return {"id": ident, "oldest": oldest, "file": path}


def commands(b):
    """(name, args for run k, extra environment, accepted exit codes, commits) of every
    command, for the bench incident `b`."""
    out = [
        # check exits 1 when it finds a breach, as the generated history has.
        ("check", lambda k: [MIM, "check", "--format", "json"], None, (0, 1), False),
    ]
    if mim_has(["check"], "--no-cache"):
        out.append(("check --no-cache", lambda k: [MIM, "check", "--no-cache", "--format", "json"],
                    None, (0, 1), False))
    out += [
        ("check (1 thread)", lambda k: [MIM, "check", "--format", "json"],
         {"RAYON_NUM_THREADS": "1"}, (0, 1), False),
        ("cat: files check reads", lambda k: ["sh", "-c", CHECK_FILES], None, (0,), False),
        ("cat: every file", lambda k: ["sh", "-c", ALL_FILES], None, (0,), False),
        ("report", lambda k: [MIM, "report", "--format", "json"], None, (0,), False),
        ("status", lambda k: [MIM, "status"], None, (0,), False),
        ("list", lambda k: [MIM, "list"], None, (0,), False),
        ("show", lambda k: [MIM, "show", b["id"]], None, (0,), False),
        ("show (oldest incident)", lambda k: [MIM, "show", b["oldest"]], None, (0,), False),
    ]
    # Each mutation at its own minute: a block of minutes per command.
    block = 0
    for commit in (True, False):
        flag = [] if commit else ["--no-commit"]
        suffix = "" if commit else " --no-commit"
        ident = b["id"]
        mutations = [
            ("note", lambda k: ["note", ident, f"bench note {k}"]),
            ("update", lambda k: ["update", ident, "-m", f"Bench update {k}."]),
            ("escalate", lambda k: ["escalate", ident, "--kind", "sme", "--to",
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
                        None, (0,), commit))
    # git's own cost of the same change: one changed file, in the same checkout.
    change = f"echo '# Bench line.' >> '{b['file']}'"
    out += [
        ("git add + git commit", lambda k: [
            "sh", "-c", f"{change} && git add -- '{b['file']}' && "
                        f"git commit --quiet --no-verify -m 'Bench {k}'"], None, (0,), True),
        ("git update-index", lambda k: [
            "sh", "-c", f"{change} && git update-index -- '{b['file']}'"], None, (0,), False),
    ]
    return out


def largest_tree(repo):
    """The size in bytes of the largest tree object HEAD's commit wrote (new or changed)."""
    lines = sh(["git", "diff-tree", "-r", "-t", "--root", "HEAD"], repo).splitlines()
    trees = [line.split()[3] for line in lines[1:] if line.split()[1] == "040000"]
    root = sh(["git", "rev-parse", "HEAD^{tree}"], repo)
    proc = subprocess.run(["git", "cat-file", "--batch-check=%(objectsize)"], cwd=repo,
                          input="\n".join([root, *trees]) + "\n", capture_output=True,
                          text=True, check=True)
    return max(int(s) for s in proc.stdout.split())


def measure(sizes):
    """{(variant, N): {command: (median wall, median cpu, peak MiB, largest tree) or a
    failure message}}, every repository in turn for each run."""
    repos = {}
    for n in sizes:
        repos[("full", n)] = generate(n)
    if SPARSE:
        for n in sizes:
            repos[("sparse", n)] = sparse_copy(repos[("full", n)])
    keys = list(repos)
    for key in keys:
        SHAPES[key] = describe(repos[key])
    originals = {key: sh(["git", "rev-parse", "HEAD"], repos[key]) for key in keys}
    benches = {key: bench_incident(repos[key]) for key in keys}
    names = [c[0] for c in commands(benches[keys[0]])]
    table = {key: {} for key in keys}
    try:
        for i, name in enumerate(names):
            samples = {key: [] for key in keys}
            trees = {key: 0 for key in keys}
            for k in range(-1, RUNS):  # run -1 is a warm-up
                for key in keys:
                    if isinstance(table[key].get(name), str):
                        continue  # it failed here
                    _, make, env, codes, commits = commands(benches[key])[i]
                    r = run(make(k), repos[key], env)
                    if r[3] not in codes:
                        lines = r[4].splitlines() or [""]
                        said = next((x for x in lines if x.startswith(("error", "fatal"))),
                                    lines[-1])
                        table[key][name] = f"fails (exit {r[3]}): {said}"
                        print(f"{key[0]} N={key[1]}: {name} exited {r[3]}: {r[4]}",
                              file=sys.stderr)
                        continue
                    if commits:
                        trees[key] = max(trees[key], largest_tree(repos[key]))
                    if k >= 0:
                        samples[key].append(r)
            for key in keys:
                s = samples[key]
                if s:
                    table[key][name] = (statistics.median(r[0] for r in s),
                                        statistics.median(r[1] for r in s),
                                        max(r[2] for r in s), trees[key])
            print(f"measured {name}", file=sys.stderr)
    finally:
        for key in keys:  # undo the timed mutations
            if key[0] == "sparse":
                subprocess.run(["rm", "-rf", str(repos[key])])
                continue
            subprocess.run(["git", "reset", "--quiet", "--hard", originals[key]],
                           cwd=repos[key])
            subprocess.run(["git", "clean", "-qfd"], cwd=repos[key])
    return keys, table


def cell(row, n, base, what):
    if isinstance(row.get(n), str):
        return "fails"
    if n not in row:
        return "–"
    value = row[n][what]
    if what == 0:
        text = f"{value:.3f} s"
        if n != base and isinstance(row.get(base), tuple):
            text += f" ({value / row[base][0]:.1f}×)"
        return text
    if what == 1:
        return f"{value:.3f}"
    if what == 2:
        return f"{value:.0f} MiB"
    return f"{value / 1024:.1f} KiB" if value else "–"


def print_tables(keys, table):
    for variant in ("full", "sparse"):
        sizes = [n for v, n in keys if v == variant]
        if not sizes:
            continue
        rows = {}
        for n in sizes:
            for name, value in table[(variant, n)].items():
                rows.setdefault(name, {})[n] = value
        head = "| command | " + " | ".join(f"N = {n:,}" for n in sizes) + " |"
        rule = "|---" * (len(sizes) + 1) + "|"
        print(f"\n{variant} work tree: median wall time (ratio to N = {sizes[0]:,})\n")
        print(head)
        print(rule)
        for name, row in rows.items():
            print(f"| `{name}` | " + " | ".join(cell(row, n, sizes[0], 0) for n in sizes) + " |")
        ratios = [
            ("`check` ÷ cat of the files it reads", "check", "cat: files check reads"),
            ("`check --no-cache` ÷ cat of the files it reads", "check --no-cache",
             "cat: files check reads"),
            ("`check` ÷ `check --no-cache`", "check", "check --no-cache"),
            ("`check` 1 thread ÷ 2 threads", "check (1 thread)", "check"),
            *((f"`{m}` ÷ `git update-index`", m, "git update-index")
              for m in ("note", "update", "escalate", "declare")),
            *((f"`{m}` ÷ `git add` + `git commit`", m, "git add + git commit")
              for m in ("note", "update", "escalate", "declare")),
        ]
        for label, a, b in ratios:
            cells = []
            for n in sizes:
                x, y = rows.get(a, {}).get(n), rows.get(b, {}).get(n)
                ok = isinstance(x, tuple) and isinstance(y, tuple)
                cells.append(f"{x[0] / y[0]:.2f}" if ok else "–")
            if any(c != "–" for c in cells):
                print(f"| {label} | " + " | ".join(cells) + " |")
        print(f"\n{variant} work tree: peak RSS; largest tree object a commit wrote\n")
        print(head)
        print(rule)
        for name, row in rows.items():
            cells = []
            for n in sizes:
                c = cell(row, n, sizes[0], 2)
                tree = cell(row, n, sizes[0], 3) if isinstance(row.get(n), tuple) else "–"
                cells.append(c if tree == "–" else f"{c}; tree {tree}")
            print(f"| `{name}` | " + " | ".join(cells) + " |")
        for name in ("check", "report", "status", "list"):
            if name in rows:
                print(f"| CPU s (user + sys) of `{name}` | " + " | ".join(
                    cell(rows[name], n, sizes[0], 1) for n in sizes) + " |")
        failures = [(name, n, row[n]) for name, row in rows.items() for n in sizes
                    if isinstance(row.get(n), str)]
        for name, n, why in failures:
            print(f"\n- {variant}, N = {n:,}: `{name}` {why}")
    if SHAPES:
        print("\n| repository | files in HEAD | index entries | index | files in the work tree |")
        print("|---|---|---|---|---|")
        for (variant, n), (files, entries, index, tree) in SHAPES.items():
            print(f"| {variant}, N = {n:,} | {files:,} | {entries:,} | {index:.1f} MiB | {tree:,} |")
    if GENERATED:
        print("\n| generated | wall | CPU | peak RSS |\n|---|---|---|---|")
        for name, (wall, cpu, rss) in GENERATED.items():
            print(f"| {name} | {wall:.1f} s | {cpu:.1f} s | {rss:.0f} MiB |")


def growth():
    """`update` on an incident with 1,000 updates against one with 1, in turn."""
    repo = generate(10, ("--long", "1000"))
    original = sh(["git", "rev-parse", "HEAD"], repo)
    long_id = sh(["sh", "-c", "git ls-tree -r -d --name-only HEAD incidents/ | "
                           "grep -E 'core-banking[^/]*$'"], repo).split("/")[-1]
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
                    sys.exit(f"{name} exited {r[3]}: {r[4]}")
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
    print_tables(*measure(sizes))
    print()
    growth()


if __name__ == "__main__":
    main()
