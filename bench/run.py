"""Benchmarks: speed claims measured, not asserted.

    python bench/run.py [--class-size N] [--quick]
    python bench/run.py --row4          # only row 4, the reference math against PyTorch

Every figure is a ratio against a peer measured in the same run, on the same
machine, because shared machines are noisy. Times are medians over repeats.
The course is never touched: everything runs in scratch copies under a
temporary directory. Rows:

  1  the student's local check (python nncheck.py) vs `nbgrader validate`
  2  whole-class grading (python -m nncourse grade) vs stock nbgrader (serial
     `nbgrader autograde` running each notebook in a Jupyter kernel), with where a
     notebook's grading time goes (sandbox, cells, checks, nbgrader), CPU seconds a
     notebook, and the same pipeline run serially
  3  the full public+hidden suite's CPU cost per notebook vs the public checks alone
  4  the reference math (solutions/) vs PyTorch CPU autograd, float64, and the
     GEMM rate numpy reaches here (PyTorch is an optional extra:
     pip install -r requirements-bench.txt)

A row that misses its target stays in the table, marked MISSED. Exit status is 0
whenever the benchmark ran, targets met or not.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from nncourse import course, demo, gradebook, suites  # noqa: E402

BIN = Path(sys.executable).parent
#: Row labels, in table order (tests/test_bench.py checks that each is printed).
LABELS = {
    "local": "1 local check {a}",
    "class": "2 class grading",
    "suite": "3 hidden suite {a}",
    "ae": "4 autoencoder fwd+bwd",
    "mlp": "4 mlp 784-256-64-10 fwd+bwd",
    "gemm": "4 GEMM 1024 float64",
    "ae1": "4 autoencoder fwd+bwd, 1 thread",
    "mlp1": "4 mlp 784-256-64-10 fwd+bwd, 1 thread",
    "gemm1": "4 GEMM 1024 float64, 1 thread",
}


def row_labels(assignments):
    out = []
    for key, label in LABELS.items():
        out += [label.format(a=a) for a in assignments] if "{a}" in label else [label]
    return out


class Table:
    def __init__(self):
        self.rows = []

    def add(self, label, measured, peer, ratio, target, ok):
        status = ok if isinstance(ok, str) else ("ok" if ok else "MISSED")
        row = (label, measured, peer, ratio, target, status)
        self.rows.append(row)
        print(f"  -> {' | '.join(row)}", flush=True)

    def text(self):
        head = ("row", "measured", "peer", "ratio", "target", "status")
        widths = [max(len(r[i]) for r in [head] + self.rows) for i in range(len(head))]
        line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
        return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
                         + [line(r) for r in self.rows])


def say(text=""):
    print(text, flush=True)


def median_time(fn, repeats, number=1, warmup=True):
    """Median over `repeats` of the mean wall time of `number` calls (like timeit)."""
    if warmup:
        fn()                                           # warm-up (caches, BLAS threads), not timed
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def run(cmd, cwd, env=None, check=True):
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check and out.returncode not in (0,):
        raise RuntimeError(f"{' '.join(map(str, cmd))} (in {cwd}) exited {out.returncode}:\n"
                           f"{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return out


def tool_env():
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONWARNINGS="ignore")
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    return env


def finished_student(root, assignment):
    """A demo student who handed in the reference answer."""
    return next(s for s, e in demo.roster(root)[assignment].items() if e and not e["mistakes"])


# ------------------------------------------------------------------ row 1

def bench_local(table, scratch, assignments, repeats):
    say("Row 1: python nncheck.py <a>.ipynb vs nbgrader validate, finished notebook")
    course_root = course.copy_course(scratch / "validate")
    env = tool_env()
    for a in assignments:
        nb = ROOT / "tests" / "demo" / a / f"{finished_student(ROOT, a)}.ipynb"
        student = scratch / "student" / a          # what the student has: release/<a>/ alone
        shutil.copytree(ROOT / "release" / a, student)
        shutil.copy(nb, student / f"{a}.ipynb")
        inside = course_root / "bench-student" / a   # the same, inside a course for validate
        shutil.copytree(student, inside)

        def nncheck():
            out = run([sys.executable, "nncheck.py", f"{a}.ipynb"], student, env, check=False)
            if out.returncode != 0:
                raise RuntimeError(f"nncheck failed on a finished notebook:\n{out.stdout}{out.stderr}")

        def validate():
            out = run([str(BIN / "nbgrader"), "validate", str(inside / f"{a}.ipynb")],
                      course_root, env, check=False)
            if "Success" not in out.stdout + out.stderr:
                raise RuntimeError(f"nbgrader validate failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")

        ours = median_time(nncheck, repeats, warmup=False)
        peer = median_time(validate, max(1, repeats // 2), warmup=False)
        table.add(LABELS["local"].format(a=a), f"{ours:.2f} s", f"validate {peer:.1f} s",
                  f"{peer / ours:.1f}x faster", "<= 2 s and >= 3x", ours <= 2.0 and peer / ours >= 3)


# ------------------------------------------------------------------ row 2

def make_submissions(root, n, assignments):
    """n submissions s000.., mixing assignments and demo students."""
    roster = demo.roster(root)
    mix = []
    for i in range(n):
        a = assignments[i % len(assignments)]
        names = list(roster[a])
        s = names[(i // len(assignments)) % len(names)]
        folder = root / "submitted" / f"s{i:03d}" / a
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / "tests" / "demo" / a / f"{s}.ipynb", folder / f"{a}.ipynb")
        mix.append((a, f"s{i:03d}", s))
    return mix


#: nbgrader's own autograde preprocessors (0.9.6): the notebook runs in a Jupyter
#: kernel. The stock peer of row 2 uses them in place of the course's sandbox.
STOCK_CONFIG = """
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata"]
"""


def stages(root, samples):
    """Where one notebook's grading time goes, for autograded notebooks of
    `root`: each graded again step by step with the course's own functions.
    Returns [{stage: seconds}]."""
    import nbformat
    from nncourse import sandbox
    results = []
    for a, sid in samples:
        suite = suites.load_suite(a, root)
        folder = root / "autograded" / sid / a
        nb = nbformat.read(folder / f"{a}.ipynb", as_version=4)
        t0 = time.perf_counter()
        box = sandbox.for_course(root, folder, suite.nncheck)
        box.lookup("__name__")                    # the process is up and has numpy
        t1 = time.perf_counter()
        ns, cells, checks = sandbox.RemoteNamespace(box), 0.0, 0.0
        for index, cell in enumerate(nb.cells):
            kind = sandbox.cell_kind(cell, suite.nncheck.SKIP_TAG)
            t = time.perf_counter()
            if kind == "test":
                suites.grade_cell(suite, cell.metadata.nbgrader.grade_id, ns)
                checks += time.perf_counter() - t
            elif kind in ("answer", "other"):
                box.run_cell(sandbox.without_magics(cell.source), f"<cell {index}>", 60)
                cells += time.perf_counter() - t
        t2 = time.perf_counter()
        box.close()
        t3 = time.perf_counter()
        results.append({"sandbox start and stop": t1 - t0 + t3 - t2, "cells run": cells,
                        "checks": checks})
    return results


def cpu_of_children():
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_class(table, scratch, assignments, n, notes, workers=None):
    say(f"Row 2: grading {n} submissions: python -m nncourse grade vs stock nbgrader "
        "(serial, each notebook in a Jupyter kernel)")
    ours_root = course.copy_course(scratch / "class-parallel")
    env = tool_env()
    with course.in_root(ours_root), course.quiet_logs():
        course.generate(ours_root)
    mix = make_submissions(ours_root, n, assignments)
    serial_root = scratch / "class-serial"         # the course's pipeline, serial stock CLI
    stock_root = scratch / "class-stock"           # stock nbgrader: Execute, in a kernel
    shutil.copytree(ours_root, serial_root)        # same submissions, same fresh gradebook
    shutil.copytree(ours_root, stock_root)
    with open(stock_root / "nbgrader_config.py", "a") as f:
        f.write(STOCK_CONFIG)

    args = ["--workers", str(workers)] if workers else []
    cpu0, start = cpu_of_children(), time.perf_counter()
    out = run([sys.executable, "-m", "nncourse", "grade", *args], ours_root, env)
    ours, ours_cpu = time.perf_counter() - start, cpu_of_children() - cpu0
    if "FAILED" in out.stdout:
        raise RuntimeError("nncourse grade reported failures:\n" + out.stdout[-3000:])
    used = next((line.split(",")[-1].strip() for line in out.stdout.splitlines()
                 if "to grade," in line), "")

    def serial_cli(root):
        cpu0, start = cpu_of_children(), time.perf_counter()
        for a in assignments:                      # one stock CLI process per assignment
            run([str(BIN / "nbgrader"), "autograde", a], root, env)
        return time.perf_counter() - start, cpu_of_children() - cpu0

    serial, serial_cpu = serial_cli(serial_root)
    stock, stock_cpu = serial_cli(stock_root)

    same = gradebook.scores(ours_root) == gradebook.scores(serial_root)
    ours_rate, stock_rate = 60 * n / ours, 60 * n / stock
    table.add(LABELS["class"], f"{ours_rate:.1f}/min ({n} in {ours:.0f} s, {used})",
              f"stock {stock_rate:.1f}/min ({stock:.0f} s)", f"{ours_rate / stock_rate:.2f}x",
              ">= 4x stock", ours_rate / stock_rate >= 4)
    if not same:
        notes.append("WARNING: the parallel and the serial run gave different scores.")

    # Where a notebook's time goes: one notebook of each (assignment, demo student)
    # kind in the class, graded again step by step; weighted by how often it occurs.
    kinds = {}
    for a, sid, s in mix:
        kinds.setdefault((a, s), []).append(sid)
    parts = stages(serial_root, [(a, sids[0]) for (a, _), sids in kinds.items()])
    weights = [len(sids) for sids in kinds.values()]
    per_nb = serial / n
    split = {k: sum(w * p[k] for w, p in zip(weights, parts)) / n for k in parts[0]}
    split["nbgrader and the rest"] = per_nb - sum(split.values())
    slowest = max(split, key=split.get)
    what = {"sandbox start and stop": "a fresh Python process with numpy, in a scratch copy "
                                      "of the student's folder, as another user",
            "cells run": "the notebook's answer cells (and cells a student added), in the sandbox",
            "checks": "every test cell's public and hidden checks, from the grader",
            "nbgrader and the rest": "CLI start, sanitizing, gradebook writes, copying files"}
    notes += [
        f"Where grading time goes (the course's pipeline, serial stock CLI, {per_nb:.2f} s per "
        f"notebook = serial wall time / {n}):",
        *[f"  {k:<24}{v:5.2f} s ({100 * v / per_nb:3.0f}%)  {what[k]}" for k, v in split.items()],
        f"  slowest stage: {slowest}. Course demo cells (training, plots) are not run.",
        f"CPU per notebook: {ours_cpu / n:.2f} CPU s in `nncourse grade` (all its processes), "
        f"{serial_cpu / n:.2f} serial, {stock_cpu / n:.2f} for stock nbgrader in a kernel.",
        f"The same course pipeline run serially: {60 * n / serial:.1f}/min ({serial:.0f} s), "
        f"so the workers give {serial / ours:.2f}x over serial.",
        f"  {n} notebooks: {', '.join(f'{sum(1 for m in mix if m[0] == a)} {a}' for a in assignments)}"
        f"; the parallel and serial runs {'gave the same scores' if same else 'DISAGREE'}"
        " (stock nbgrader runs only the public checks in its kernel: its scores differ).",
    ]
    return slowest


# ------------------------------------------------------------------ row 3

def public_only(suite, namespace):
    nncheck = suite.nncheck
    for grade_id, (function, _) in suite.cells.items():
        isolate = {name: suites.reference_attribute(suite, name)
                   for name in getattr(suite.public, "DEPENDS", {}).get(function, [])}
        for fn in nncheck.checks_for(suite.public, grade_id):
            nncheck.run_check(fn, namespace, {"reference": suite.reference}, suite.mistakes, isolate)


def bench_suite(table, assignments, repeats):
    say("Row 3: CPU seconds per notebook of the public+hidden suite (reference namespace)")
    for a in assignments:
        suite = suites.load_suite(a, ROOT)

        def cpu(fn):
            times = []
            for _ in range(repeats):
                ns = suites.namespace_with(suite)
                start = time.process_time()
                fn(ns)
                times.append(time.process_time() - start)
            return statistics.median(times)

        full = cpu(lambda ns: suites.grade_namespace(suite, ns))
        public = cpu(lambda ns: public_only(suite, ns))
        table.add(LABELS["suite"].format(a=a), f"{full:.2f} CPU s", f"public only {public:.2f} CPU s",
                  f"{full / public:.1f}x public", "<= 3 CPU s", full <= 3.0)


# ------------------------------------------------------------------ row 4

def bench_torch(table, repeats, notes, one_thread=False):
    """Row 4. one_thread: numpy's BLAS and torch both on one thread (run in a
    subprocess started with OPENBLAS_NUM_THREADS=1, see one_thread_rows)."""
    suffix = "1" if one_thread else ""
    say("Row 4: solutions/ forward+backward vs PyTorch autograd (CPU, float64)"
        + (", one thread each" if one_thread else ", default threads"))
    try:
        import torch
        if one_thread:
            torch.set_num_threads(1)
        torch_text = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError as e:
        torch, torch_text = None, f"PyTorch unavailable ({e}); pip install -r requirements-bench.txt"
    notes.append(f"Row 4{' (1 thread)' if one_thread else ''} peer: {torch_text}; numpy "
                 f"{np.__version__}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}.")
    number = 20 if repeats > 3 else 5           # calls per timing; fewer in --quick
    rng = np.random.default_rng(0)

    ae = suites.load_suite("autoencoder", ROOT).reference
    m, n, k = 256, 64, 32
    x = rng.random((m, n))
    params = ae.init_params(n, k, seed=0)

    def np_ae():
        xhat, cache = ae.forward(x, params)
        ae.backward(x, params, cache)

    ours = ae_time = median_time(np_ae, repeats, number)
    if torch is not None:
        tx = torch.from_numpy(x)
        tp = {name: torch.from_numpy(v.copy()).requires_grad_() for name, v in params.items()}

        def torch_ae():
            h1 = torch.sigmoid(tx @ tp["w1"] + tp["b1"])
            h2 = torch.sigmoid(h1 @ tp["w2"] + tp["b2"])
            xhat = h2 @ tp["w3"] + tp["b3"]
            loss = ((tx - xhat) ** 2).sum() / (2 * m)
            grads = torch.autograd.grad(loss, list(tp.values()))
            return grads
        add_torch_row(table, LABELS["ae" + suffix], ours, median_time(torch_ae, repeats, number))
    else:
        add_torch_row(table, LABELS["ae" + suffix], ours, None)

    NeuralNetwork = suites.load_suite("mlp", ROOT).reference.NeuralNetwork
    layers, batch = [784, 256, 64, 10], 256
    net = NeuralNetwork(layers, ["sigmoid", "sigmoid", "linear"], seed=0)
    xb, yb = rng.random((784, batch)), rng.random((10, batch))

    def np_mlp():
        z_s, a_s = net.feedforward(xb)
        net.backpropagation(yb, z_s, a_s)

    ours = mlp_time = median_time(np_mlp, repeats, number)
    if torch is not None:
        tw = [torch.from_numpy(w.copy()).requires_grad_() for w in net.weights]
        tb = [torch.from_numpy(b.copy()).requires_grad_() for b in net.biases]
        txb, tyb = torch.from_numpy(xb), torch.from_numpy(yb)

        def torch_mlp():
            a = txb
            for i, (w, b) in enumerate(zip(tw, tb)):
                z = w @ a + b
                a = torch.sigmoid(z) if i < len(tw) - 1 else z
            loss = ((a - tyb) ** 2).sum() / (2 * batch)
            return torch.autograd.grad(loss, tw + tb)
        add_torch_row(table, LABELS["mlp" + suffix], ours, median_time(torch_mlp, repeats, number))
    else:
        add_torch_row(table, LABELS["mlp" + suffix], ours, None)

    size = 1024
    a_, b_ = rng.random((size, size)), rng.random((size, size))
    flops = 2 * size ** 3
    ours = flops / median_time(lambda: a_ @ b_, repeats, 3) / 1e9
    if torch is not None:
        ta, tb_ = torch.from_numpy(a_), torch.from_numpy(b_)
        peer = flops / median_time(lambda: ta @ tb_, repeats, 3) / 1e9
        table.add(LABELS["gemm" + suffix], f"numpy {ours:.1f} GFLOP/s", f"torch {peer:.1f} GFLOP/s",
                  f"{peer / ours:.2f}x", "torch <= 1.3x numpy", peer / ours <= 1.3)
    else:
        table.add(LABELS["gemm" + suffix], f"numpy {ours:.1f} GFLOP/s", "torch unavailable", "-",
                  "torch <= 1.3x numpy", "n/a")
    # The reference's own FLOP rate, against that limit (GEMMs only, as the code does
    # them: the autoencoder's backward recomputes xhat).
    ae_flops = 2 * m * (5 * n * k + 4 * n * n)
    sizes = sum(o * i for i, o in zip(layers[:-1], layers[1:]))
    mlp_flops = 2 * batch * (2 * sizes + sum(o * i for i, o in zip(layers[1:-1], layers[2:])))
    notes.append(
        f"GEMM limit{' (1 thread)' if one_thread else ''}: numpy reaches {ours:.1f} GFLOP/s on a "
        f"{size}x{size} float64 matmul; the reference reaches {ae_flops / ae_time / 1e9:.1f} "
        f"GFLOP/s (autoencoder, {ae_flops / 1e6:.1f} MFLOP) and {mlp_flops / mlp_time / 1e9:.1f} "
        f"GFLOP/s (mlp, {mlp_flops / 1e6:.0f} MFLOP).")


def one_thread_rows(table, repeats, notes):
    """Row 4 again with one thread each, in a subprocess: on a shared 2-core machine,
    a busy neighbour makes multithreaded BLAS on small matrices erratic."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = run([sys.executable, __file__, "--row4-one-thread", str(repeats)], ROOT, env)
    for line in out.stdout.splitlines():
        if line.startswith("ROW\t"):
            table.add(*line.split("\t")[1:])
        elif line.startswith("NOTE\t"):
            notes.append(line.split("\t", 1)[1])


def add_torch_row(table, label, ours, peer):
    target = "<= 1.3x torch"
    if peer is None:
        table.add(label, f"{ours * 1e3:.2f} ms", "torch unavailable", "-", target, "n/a")
    else:
        table.add(label, f"{ours * 1e3:.2f} ms", f"torch {peer * 1e3:.2f} ms",
                  f"{ours / peer:.2f}x", target, ours / peer <= 1.3)


# ------------------------------------------------------------------ main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--class-size", type=int, default=None,
                        help="submissions to grade in row 2 (default 20; 2 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="small and few repeats: checks that the benchmark runs")
    parser.add_argument("--row4", action="store_true",
                        help="only row 4 (the reference math against PyTorch), both thread settings")
    parser.add_argument("--row4-one-thread", type=int, metavar="REPEATS",
                        help=argparse.SUPPRESS)      # used by one_thread_rows
    args = parser.parse_args(argv)
    if args.row4_one_thread:
        table, notes = Table(), []
        bench_torch(table, args.row4_one_thread, notes, one_thread=True)
        for row in table.rows:
            print("ROW\t" + "\t".join(row))
        for note in notes:
            print("NOTE\t" + note)
        return 0
    if args.row4:
        table, notes = Table(), []
        bench_torch(table, 3 if args.quick else 15, notes)
        one_thread_rows(table, 3 if args.quick else 15, notes)
        say()
        say(table.text())
        for line in notes:
            say(line)
        return 0
    n = args.class_size or (2 if args.quick else 20)
    assignments = course.assignments(ROOT)
    say(f"Benchmark of {ROOT.name}: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {'quick' if args.quick else 'full'} run, "
        f"class size {n}")
    table, notes = Table(), []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-") as tmp:
        scratch = Path(tmp)
        bench_suite(table, assignments, 3 if args.quick else 7)
        bench_torch(table, 3 if args.quick else 15, notes)
        one_thread_rows(table, 3 if args.quick else 15, notes)
        bench_local(table, scratch, assignments, 1 if args.quick else 5)
        bench_class(table, scratch, assignments, n, notes)
    order = {label: i for i, label in enumerate(row_labels(assignments))}
    table.rows.sort(key=lambda r: order.get(r[0], len(order)))
    say()
    say(table.text())
    say()
    say("ratio: row 1 = validate time / nncheck time; row 2 = our rate / stock nbgrader's rate; "
        "row 3 = full suite / public checks; row 4 = numpy time / torch time (GEMM: torch rate / "
        "numpy rate). Times are medians over repeats.")
    for line in notes:
        say(line)
    missed = sum(r[5] == "MISSED" for r in table.rows)
    say(f"{len(table.rows)} rows, {missed} missed their target; "
        f"benchmark took {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
