"""The course on JupyterHub, end to end, with local system users.

deploy/hubctl.py sets up a shared exchange and three users (one instructor,
two students); deploy/jupyterhub_config.py runs the hub, as root, on free
127.0.0.1 ports. Everything then goes through the running servers: the
instructor releases, collects and returns feedback with the formgrader's REST
API, and grades with `python -m nncourse grade` as that user; each student
fetches, puts a demo notebook in place (contents API) and submits with
nbgrader's REST handlers in their own JupyterLab server, then fetches their
own feedback. Users, processes and folders are removed afterwards.
"""
import html
import importlib.util
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, free_port, need

pytestmark = pytest.mark.slow

HUBCTL = ROOT / "deploy" / "hubctl.py"
#: User names of this run: two runs at once on one machine must not share users.
RUN = f"nnc{os.getpid() % 100000:05d}"
INSTRUCTOR = f"{RUN}-teacher"
#: hub user -> the demo notebook that student hands in
STUDENTS = {f"{RUN}-ada": "ada", f"{RUN}-ben": "ben"}
CLASS_LIST = {f"{RUN}-ada": ("Ada", "Okafor"), f"{RUN}-ben": ("Ben", "Lindqvist")}
ASSIGNMENT = "autoencoder"
PASSWORD = "course-password-for-tests"


def hubctl(prefix, *args):
    out = subprocess.run([sys.executable, str(HUBCTL), *args, "--prefix", str(prefix)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def _hubctl_module():
    spec = importlib.util.spec_from_file_location("hubctl", HUBCTL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_user(name, *cmd, cwd=None, check=True):
    out = _hubctl_module().run_as(name, *cmd, cwd=cwd)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def kill_processes_of(name):
    """End what the hub started for a test user that is still running."""
    sys.path.insert(0, str(ROOT))
    from nncourse.sandbox import _kill_user
    try:
        _kill_user(pwd.getpwnam(name).pw_uid)
    except KeyError:
        pass


class Hub:
    def __init__(self, prefix, port, token):
        import requests
        self.url = f"http://127.0.0.1:{port}"
        self.prefix = prefix
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def api(self, method, path, token=None, **kwargs):
        headers = {"Authorization": f"token {token}"} if token else {}
        return self.session.request(method, self.url + path, headers=headers, timeout=120, **kwargs)

    def spawn(self, user):
        r = self.api("POST", f"/hub/api/users/{user}/server")
        assert r.status_code in (201, 202), r.text
        deadline = time.time() + 90
        while time.time() < deadline:
            info = self.api("GET", f"/hub/api/users/{user}").json()
            if info.get("servers", {}).get("", {}).get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server did not start in 90 s")

    def formgrader(self, action):
        """POST /formgrader/api/assignment/<a>/<action> on the instructor's server."""
        r = self.api("POST", f"/user/{INSTRUCTOR}/formgrader/api/assignment/{ASSIGNMENT}/{action}")
        assert r.status_code == 200, r.text
        result = r.json()
        assert result.get("success"), f"{action}: {result}"
        return result

    def assignments(self, user, action=None):
        """nbgrader's assignment list handlers on a student's server."""
        course = {"course_id": "nn-from-scratch"}
        if action is None:
            r = self.api("GET", f"/user/{user}/assignments", params=course)
        else:
            r = self.api("POST", f"/user/{user}/assignments/{action}",
                         params={**course, "assignment_id": ASSIGNMENT})
        assert r.status_code == 200, r.text
        result = r.json()
        assert result.get("success", True), result
        return result["value"] if "value" in result else result

    def contents(self, user, path, token=None, **kwargs):
        return self.api("GET", f"/user/{user}/api/contents/{path}", token=token, params=kwargs)


@pytest.fixture(scope="module")
def hub():
    need(os.geteuid() == 0, "the JupyterHub test creates local users: run it as root")
    need(shutil.which("useradd") is not None, "no useradd on this machine")
    need(shutil.which("configurable-http-proxy") is not None,
         "configurable-http-proxy is not installed: npm install -g configurable-http-proxy")
    need(importlib.util.find_spec("jupyterhub") is not None,
         "JupyterHub is not installed: pip install -r requirements-hub.txt")
    prefix = Path(tempfile.mkdtemp(prefix="nncourse-hub-"))
    os.chmod(prefix, 0o755)
    proc = None
    try:
        srv = prefix / "srv"
        hubctl(srv, "init")
        hubctl(srv, "add-user", INSTRUCTOR, "--role", "instructor")
        for s in STUDENTS:
            hubctl(srv, "add-user", s, "--role", "student")
        hubctl(srv, "add-course", INSTRUCTOR)
        port, token = free_port(), os.urandom(16).hex()
        env = dict(os.environ, NNCOURSE_PREFIX=str(srv), NNCOURSE_HUB_PASSWORD=PASSWORD,
                   NNCOURSE_HUB_PORT=str(port), NNCOURSE_HUB_API_PORT=str(free_port()),
                   NNCOURSE_PROXY_API_PORT=str(free_port()), NNCOURSE_HUB_API_TOKEN=token,
                   PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        log = open(prefix / "hub.log", "w")
        start = time.perf_counter()
        proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f",
                                 str(ROOT / "deploy" / "jupyterhub_config.py")],
                                cwd=srv / "hub", env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        h = Hub(srv, port, token)
        h.log = prefix / "hub.log"
        while True:
            try:
                if h.api("GET", "/hub/api/").status_code == 200:
                    break
            except Exception:
                pass
            assert proc.poll() is None, (prefix / "hub.log").read_text()
            assert time.perf_counter() - start < 60, (prefix / "hub.log").read_text()
            time.sleep(0.3)
        yield h
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)  # the hub stops the proxy and every server
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for user in [INSTRUCTOR, *STUDENTS]:
            kill_processes_of(user)
            hubctl(prefix / "srv", "remove-user", user)
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def term(hub):
    """The whole term, once: what each step returned, for the tests below."""
    seen = {"timings": {}}
    t0 = time.perf_counter()
    for user in [INSTRUCTOR, *STUDENTS]:
        hub.spawn(user)
    seen["timings"]["spawn 3 servers"] = time.perf_counter() - t0
    course = Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / "course"

    # The instructor: the class list, then generate and release, in the formgrader.
    t = time.perf_counter()
    (course / "class.csv").write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},{f},{l},\n" for s, (f, l) in CLASS_LIST.items()))
    os.chown(course / "class.csv", *(lambda p: (p.pw_uid, p.pw_gid))(pwd.getpwnam(INSTRUCTOR)))
    as_user(INSTRUCTOR, sys.executable, "-m", "nbgrader", "db", "student", "import", "class.csv",
            cwd=course)
    hub.formgrader("assign")
    hub.formgrader("release")
    seen["timings"]["instructor: class list, generate, release"] = time.perf_counter() - t

    # Each student, in their own server: list, fetch, work, submit.
    t = time.perf_counter()
    seen["listed"], seen["submitted"] = {}, {}
    for s, demo_nb in STUDENTS.items():
        seen["listed"][s] = hub.assignments(s)
        hub.assignments(s, "fetch")
        seen[f"fetched {s}"] = hub.contents(s, ASSIGNMENT).json()
        nb = json.loads((ROOT / "tests" / "demo" / ASSIGNMENT / f"{demo_nb}.ipynb").read_text())
        r = hub.api("PUT", f"/user/{s}/api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
                    json={"type": "notebook", "format": "json", "content": nb})
        assert r.status_code in (200, 201), r.text
        seen["submitted"][s] = hub.assignments(s, "submit")
    seen["timings"]["2 students: fetch, work, submit"] = time.perf_counter() - t

    # The instructor collects, grades, returns feedback.
    t = time.perf_counter()
    hub.formgrader("collect")
    out = as_user(INSTRUCTOR, sys.executable, "-m", "nncourse", "grade", ASSIGNMENT,
                  "--workers", "2", cwd=course, check=False)
    seen["grade"] = out
    seen["timings"]["instructor: collect, grade"] = time.perf_counter() - t
    # The same grading run by root (README: the sandbox then runs student code as
    # a separate unprivileged user), after which the course goes back to the instructor.
    t = time.perf_counter()
    seen["root grade"] = subprocess.run(
        [sys.executable, "-m", "nncourse", "grade", ASSIGNMENT, "--force", "--workers", "2"],
        cwd=course, capture_output=True, text=True, timeout=600)
    subprocess.run(["chown", "-R", f"{INSTRUCTOR}:", str(course)], check=True)
    seen["timings"]["root: grade again, chown"] = time.perf_counter() - t
    t = time.perf_counter()
    hub.formgrader("generate_feedback")
    hub.formgrader("release_feedback")
    r = hub.api("GET", f"/user/{INSTRUCTOR}/formgrader/api/submissions/{ASSIGNMENT}")
    assert r.status_code == 200, r.text
    seen["formgrader submissions"] = r.json()

    # Each student fetches their feedback and reads it in their server.
    seen["feedback"] = {}
    for s in STUDENTS:
        hub.assignments(s, "fetch_feedback")
        listing = hub.contents(s, f"{ASSIGNMENT}/feedback").json()
        seen["feedback"][s] = []
        for stamp in listing["content"]:
            page = hub.contents(s, f"{stamp['path']}/{ASSIGNMENT}.html", type="file", format="text")
            assert page.status_code == 200, page.text
            seen["feedback"][s].append((stamp["path"], page.json()["content"]))
    seen["timings"]["feedback: generate, release, 2 students fetch"] = time.perf_counter() - t
    seen["timings"]["whole term"] = time.perf_counter() - t0
    print("hub term timings:", {k: f"{v:.1f} s" for k, v in seen["timings"].items()})
    return seen


def test_students_fetch_the_released_assignment_and_submit_it(term):
    for s in STUDENTS:
        listed = {(a["assignment_id"], a["status"]) for a in term["listed"][s]}
        assert (ASSIGNMENT, "released") in listed, term["listed"][s]
        names = {f["name"] for f in term[f"fetched {s}"]["content"]}
        assert {f"{ASSIGNMENT}.ipynb", "nncheck.py", "digits.npz"} <= names
        submitted = [a for a in term["submitted"][s] if a["status"] == "submitted"]
        assert submitted and submitted[0]["submissions"], term["submitted"][s]


def test_the_instructor_grades_the_class_with_nncourse_grade(term, hub):
    out = term["grade"]
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 to grade, 0 already graded" in out.stdout
    sys.path.insert(0, str(ROOT))
    from nncourse import demo
    expected = demo.expected_scores(ROOT)[ASSIGNMENT]
    by_student = {sub["student"]: sub for sub in term["formgrader submissions"]}
    for s, demo_nb in STUDENTS.items():
        total = sum(expected[demo_nb].values())
        assert re.search(rf"^{s}\s+{ASSIGNMENT}\s+{total:g}\s+graded", out.stdout, re.M), out.stdout
        assert by_student[s]["score"] == pytest.approx(total)
        assert (by_student[s]["first_name"], by_student[s]["last_name"]) == CLASS_LIST[s]


def test_grading_as_root_gives_the_same_scores(term):
    out = term["root grade"]
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 to grade, 0 already graded" in out.stdout
    rows = lambda text: sorted(l.split()[:3] for l in text.splitlines() if l.startswith(RUN))
    assert rows(out.stdout) == rows(term["grade"].stdout) != []


def test_each_student_fetches_their_own_feedback(term):
    sys.path.insert(0, str(ROOT))
    from nncourse import demo
    expected = demo.expected_scores(ROOT)[ASSIGNMENT]
    maximum = sum(expected["ada"].values())
    for s, demo_nb in STUDENTS.items():
        assert len(term["feedback"][s]) == 1, term["feedback"][s]
        page = html.unescape(term["feedback"][s][0][1])
        total = sum(expected[demo_nb].values())
        assert f"{ASSIGNMENT} (Score: {total:.1f} / {maximum:.1f})" in page


def test_a_student_cannot_read_another_students_work_or_feedback(term, hub):
    ada, ben = STUDENTS
    # Through the hub: ada's own token does not open ben's server.
    r = hub.api("POST", f"/hub/api/users/{ada}/tokens", json={"note": "test"})
    assert r.status_code in (200, 201), r.text
    ada_token = r.json()["token"]
    assert hub.contents(ada, "", token=ada_token).status_code == 200
    assert hub.contents(ben, f"{ASSIGNMENT}", token=ada_token).status_code in (403, 404)
    # On the machine: ben's home, and the exchange's feedback and inbound folders.
    ben_feedback = term["feedback"][ben][0][0]
    home = Path(pwd.getpwnam(ben).pw_dir)
    exchange = hub.prefix / "exchange" / "nn-from-scratch"
    for cmd in (["cat", home / ben_feedback / f"{ASSIGNMENT}.html"], ["ls", home],
                ["ls", exchange / "feedback"], ["ls", exchange / "inbound"]):
        out = as_user(ada, *cmd, check=False)
        assert out.returncode != 0 and "Permission denied" in out.stderr, (cmd, out)
    # ...while ben reads his own.
    assert as_user(ben, "cat", home / ben_feedback / f"{ASSIGNMENT}.html").stdout


def test_students_do_not_get_the_instructor_tools(term, hub):
    def lab_disabled(user):
        page = hub.api("GET", f"/user/{user}/lab").text
        config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                           page, re.S)
        assert config, page[:500]
        return set(json.loads(config.group(1)).get("disabledExtensions", []))
    tools = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"}
    for s in STUDENTS:
        assert tools <= lab_disabled(s)
        assert hub.api("GET", f"/user/{s}/formgrader").status_code == 404
    assert not tools & lab_disabled(INSTRUCTOR)
    assert hub.api("GET", f"/user/{INSTRUCTOR}/formgrader").status_code == 200
