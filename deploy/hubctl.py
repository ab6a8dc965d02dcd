"""Set up the course on a JupyterHub machine (run as root, with the course's venv).

    python deploy/hubctl.py init       [--prefix /srv/nncourse]
    python deploy/hubctl.py add-user   NAME --role student|instructor [--prefix ...]
    python deploy/hubctl.py add-course INSTRUCTOR [--prefix ...] [--db-url URL]
    python deploy/hubctl.py remove-user NAME [--prefix ...]

init        the shared folders: PREFIX/exchange (nbgrader's exchange, mode 1777,
            outside any course), PREFIX/etc/jupyter/nbgrader_config.py (course id
            and exchange for every user's server) and the hub's state folder.
add-user    a local system user with a private home (700), listed for the hub
            (PREFIX/users/<role>s). A student's JupyterLab has nbgrader's instructor
            tools turned off, the documented way, as that user (--level=user):
            the Formgrader and Create Assignment lab extensions and the
            formgrader server extension.
add-course  a copy of the course in ~INSTRUCTOR/course, its site_config.py naming
            the shared exchange (and the gradebook, if --db-url), and the
            instructor's ~/.jupyter/nbgrader_config.py loading the course's config,
            so the formgrader in JupyterLab grades this course.
remove-user userdel -r, and off the hub's lists.

deploy/jupyterhub_config.py reads the same PREFIX (environment NNCOURSE_PREFIX).
"""
import argparse
import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COURSE = HERE.parent
VENV_BIN = Path(sys.executable).parent
ROLES = ("student", "instructor")
#: What turns nbgrader's instructor tools off for one user, run as that user
#: (nbgrader's installation guide, "Disabling extensions", at --level=user).
#: `jupyter server extension disable --user X` refuses an extension that is
#: enabled only for the whole environment ("could not be found": jupyter_server
#: 2 validates against the user's own config), so the server extension is
#: turned off with the function that command calls, without that check.
STUDENT_OFF = [
    ["jupyter", "labextension", "disable", "--level=user", "@jupyter/nbgrader:formgrader"],
    ["jupyter", "labextension", "disable", "--level=user", "@jupyter/nbgrader:create-assignment"],
    ["python", "-c", "from jupyter_server.extension.serverextension import "
     "toggle_server_extension_python as toggle; "
     "toggle('nbgrader.server_extensions.formgrader', enabled=False, user=True)"],
]


class SetupError(Exception):
    pass


def course_id():
    sys.path.insert(0, str(COURSE))
    from nncourse import course
    return course.load_config(COURSE).CourseDirectory.course_id


def run_as(name, *cmd, cwd=None):
    """Run cmd as a local user, with that user's HOME and the course venv on
    PATH; returns the CompletedProcess (text output captured)."""
    pw = pwd.getpwnam(name)
    env = {"HOME": pw.pw_dir, "USER": name, "LANG": os.environ.get("LANG", "C.UTF-8"),
           "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin"}
    return subprocess.run([str(c) for c in cmd], cwd=cwd or pw.pw_dir, env=env, user=pw.pw_uid,
                          group=pw.pw_gid, extra_groups=[], capture_output=True, text=True,
                          timeout=600)


def as_user(name, *cmd, cwd=None):
    """run_as, raising SetupError if the command fails; returns its output."""
    out = run_as(name, *cmd, cwd=cwd)
    if out.returncode:
        raise SetupError(f"as {name}: {' '.join(map(str, cmd))} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def init(prefix):
    prefix = Path(prefix)
    for folder, mode in [(prefix, 0o755), (prefix / "etc" / "jupyter", 0o755),
                         (prefix / "users", 0o755), (prefix / "hub", 0o700),
                         (prefix / "exchange", 0o1777)]:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, mode)      # explicit: nbgrader checks the exchange is exactly 777
    for role in ROLES:
        (prefix / "users" / f"{role}s").touch()
    (prefix / "etc" / "jupyter" / "nbgrader_config.py").write_text(
        "# Written by deploy/hubctl.py init: every user's server reads this.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {course_id()!r}\n"
        f"c.Exchange.root = {str(prefix / 'exchange')!r}\n")
    return prefix


def users(prefix, role):
    path = Path(prefix) / "users" / f"{role}s"
    return [l.strip() for l in path.read_text().splitlines() if l.strip()] if path.exists() else []


def _set_users(prefix, role, names):
    (Path(prefix) / "users" / f"{role}s").write_text("".join(f"{n}\n" for n in names))


def add_user(prefix, name, role):
    if role not in ROLES:
        raise SetupError(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", name):
        raise SetupError(f"{name!r} is not a valid user name (lower case, digits, - and _)")
    if not (Path(prefix) / "users").is_dir():
        raise SetupError(f"{prefix} is not set up: run `hubctl.py init --prefix {prefix}` first")
    other = [r for r in ROLES if r != role and name in users(prefix, r)]
    if other:
        raise SetupError(f"{name} is already a {other[0]}")
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    os.chmod(home, 0o700)           # useradd makes homes world-readable here
    if role == "student":
        for cmd in STUDENT_OFF:
            as_user(name, *cmd)
    if name not in users(prefix, role):
        _set_users(prefix, role, users(prefix, role) + [name])
    return home


def add_course(prefix, instructor, db_url=None):
    sys.path.insert(0, str(COURSE))
    from nncourse import course
    if instructor not in users(prefix, "instructor"):
        raise SetupError(f"{instructor} is not an instructor: run add-user {instructor} "
                         "--role instructor first")
    pw = pwd.getpwnam(instructor)
    dest = Path(pw.pw_dir) / "course"
    if dest.exists():
        raise SetupError(f"{dest} exists already; nothing was changed")
    course.copy_course(dest, COURSE)
    site = [f"# Written by deploy/hubctl.py add-course: this machine's settings.",
            f"c.Exchange.root = {str(Path(prefix) / 'exchange')!r}"]
    if db_url:
        site.append(f"c.CourseDirectory.db_url = {db_url!r}")
    (dest / "site_config.py").write_text("\n".join(site) + "\n")
    jupyter = Path(pw.pw_dir) / ".jupyter"
    jupyter.mkdir(exist_ok=True)
    (jupyter / "nbgrader_config.py").write_text(
        "# Written by deploy/hubctl.py add-course: the formgrader grades this course.\n"
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig('grader_config.py', path={str(dest)!r})  # noqa: F821\n")
    for path in [dest, jupyter, *dest.rglob("*"), *jupyter.rglob("*")]:
        os.chown(path, pw.pw_uid, pw.pw_gid, follow_symlinks=False)
    return dest


def remove_user(prefix, name):
    for role in ROLES:
        if name in users(prefix, role):
            _set_users(prefix, role, [n for n in users(prefix, role) if n != name])
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    subprocess.run(["userdel", "--remove", name], capture_output=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["init", "add-user", "add-course", "remove-user"])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--prefix", default=os.environ.get("NNCOURSE_PREFIX", "/srv/nncourse"))
    parser.add_argument("--role", choices=ROLES)
    parser.add_argument("--db-url", help="the course's gradebook, e.g. postgresql://...")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error("run as root: it creates users and shared folders")
    if args.command != "init" and not args.name:
        parser.error(f"{args.command} needs a user name")
    try:
        if args.command == "init":
            print(f"set up {init(args.prefix)}")
        elif args.command == "add-user":
            if not args.role:
                parser.error("add-user needs --role student or --role instructor")
            print(f"{args.name}: {args.role}, home {add_user(args.prefix, args.name, args.role)}")
        elif args.command == "add-course":
            print(f"course copied to {add_course(args.prefix, args.name, args.db_url)}")
        else:
            remove_user(args.prefix, args.name)
            print(f"removed {args.name}")
    except SetupError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
