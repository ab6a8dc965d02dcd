"""The grader's own memory must not be the notebook's to choose, nor outlive it.

Each scenario runs in a fresh Python process (so its peak resident size is its
own) that plays the grader's side: a Sandbox with the notebook's code, and, for
the second, a reference helper lent as during a check. A notebook that sends a
few KB (or one 64 MB array) must not make the grader hold gigabytes: scaled up,
the same notebook gets the grading worker killed by the kernel's OOM killer,
which ends the whole class run (concurrent.futures reports a broken pool to
grade_class, which stops), on every re-run.
"""
import subprocess
import sys

import pytest

from conftest import ROOT

PEAK = """
import os, resource, sys, tempfile
sys.path.insert(0, {root!r})
from nncourse import sandbox, suites
folder = tempfile.mkdtemp()
os.chmod(folder, 0o755)
box = sandbox.Sandbox(folder, uid=sandbox.sandbox_uid())
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
{body}
box.close()
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) / 2 ** 20)
"""

#: What the grading worker still holds after the notebook's sandbox is closed:
#: it grades the next students with it.
KEPT = """
import gc, os, sys, tempfile
sys.path.insert(0, {root!r})
from nncourse import sandbox
def resident():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 30
folder = tempfile.mkdtemp()
os.chmod(folder, 0o755)
start = resident()
box = sandbox.Sandbox(folder, uid=sandbox.sandbox_uid())
{body}
box.close()
del box
gc.collect()
print(resident() - start)
"""

#: Every call raises an exception class of its own with a 100 MB name: the
#: grader's mirror_error makes a class of that name for each, and keeps it in
#: sandbox._MIRRORS for the life of the worker (8 calls: 0.8 GB kept; the checks
#: make far more calls than that).
MIRROR_NAMES = '''
box.run_cell("""def g(x):
    raise type(chr(65 + x) * (100 << 20), (Exception,), {})("no")
""", "<cell 1>", 20)
namespace = sandbox.RemoteNamespace(box)
for i in range(8):
    try:
        namespace.get("g")(i)
    except Exception:
        pass
del namespace
'''


#: One 64 MB array, sent once in a frame the notebook writes itself and
#: referenced 40 times in the frame's JSON: the grader decodes 40 copies.
FORGED_FRAME = '''
box.run_cell("""import json, os, struct, sys
fd = json.loads(sys.argv[1])["fd_out"]
blob = bytes(64 << 20)
value = {"L": [{"A": 0, "dtype": "<f8", "shape": [8 << 20]}] * 40}
head = json.dumps({"op": "reply", "value": value}).encode()
os.write(fd, struct.pack(">II", len(head), 1) + head + struct.pack(">Q", len(blob)) + blob)
""", "<cell 1>", 20)
'''

#: While backward is checked, `cost` is the reference's, run in the grader on
#: whatever backward passes: (15000, 1) and (1, 15000), 240 KB, broadcast to
#: (15000, 15000) arrays in the grader.
BROADCAST = '''
suite = suites.load_suite("autoencoder", {root!r})
box.run_cell("""import numpy as np
def backward(x, params, cache):
    n = 15000
    return cost(np.ones((n, 1)), np.zeros((1, n)))
""", "<cell 1>", 20)
namespace = sandbox.RemoteNamespace(box)
restore = namespace.swap("cost", suite.reference.cost)
try:
    namespace.get("backward")(None, None, None)
except MemoryError:
    pass  # what the notebook gets: the reference could not allocate that much
finally:
    restore()
    box.end_check()
'''


@pytest.mark.parametrize("name,body", [("forged_frame", FORGED_FRAME), ("lent_helper_broadcast", BROADCAST)])
def test_notebook_cannot_grow_the_grader(name, body):
    body = body.replace("{root!r}", repr(str(ROOT)))
    code = PEAK.replace("{root!r}", repr(str(ROOT))).replace("{body}", body)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    grown = float(out.stdout.strip().splitlines()[-1])
    assert grown < 1.0, f"{name}: the grader grew by {grown:.1f} GB"


def test_notebook_leaves_nothing_in_the_grader():
    code = KEPT.replace("{root!r}", repr(str(ROOT))).replace("{body}", MIRROR_NAMES)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    kept = float(out.stdout.strip().splitlines()[-1])
    assert kept < 0.1, f"the grader still holds {kept:.1f} GB after the notebook's sandbox closed"
