"""JupyterHub for the course: local system users, nbgrader's exchange shared.

Start it as root, from the course's venv (see README, "Running the course on
JupyterHub"):

    NNCOURSE_HUB_PASSWORD=... .venv/bin/jupyterhub -f deploy/jupyterhub_config.py

Settings, from the environment:
  NNCOURSE_PREFIX         what `deploy/hubctl.py init` set up (default /srv/nncourse):
                          users/instructors and users/students (who may log in),
                          etc/jupyter (course id and exchange for every server),
                          hub/ (the hub's database and cookie secret)
  NNCOURSE_HUB_PASSWORD   the shared password (at least 8 characters); required
  NNCOURSE_HUB_IP         address to serve on (default 127.0.0.1: put a TLS proxy
                          in front, or set JupyterHub.ssl_cert/ssl_key below)
  NNCOURSE_HUB_PORT       public port (default 8000); NNCOURSE_HUB_API_PORT (8081)
                          and NNCOURSE_PROXY_API_PORT (8001) stay on 127.0.0.1
  NNCOURSE_HUB_API_TOKEN  optional: a token for the `course-admin` service
                          (admin role), for scripts that drive the hub
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821

prefix = Path(os.environ.get("NNCOURSE_PREFIX", "/srv/nncourse"))
venv_bin = Path(sys.executable).parent


def _listed(role):
    path = prefix / "users" / f"{role}s"
    if not path.exists():
        sys.exit(f"{path} is missing: run `deploy/hubctl.py init --prefix {prefix}` first")
    return {l.strip() for l in path.read_text().splitlines() if l.strip()}


password = os.environ.get("NNCOURSE_HUB_PASSWORD", "")
if len(password) < 8:
    sys.exit("Set NNCOURSE_HUB_PASSWORD to the shared password, at least 8 characters.")

# Who may log in: the users hubctl.py added. Instructors are hub admins.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allowed_users = _listed("instructor") | _listed("student")
c.Authenticator.admin_users = _listed("instructor")

# Where it listens, and where it keeps its state.
c.JupyterHub.ip = os.environ.get("NNCOURSE_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("NNCOURSE_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("NNCOURSE_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('NNCOURSE_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(prefix / "hub" / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{prefix / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(prefix / "hub" / "jupyterhub_cookie_secret")

# Each user's JupyterLab runs as that user (LocalProcessSpawner), from the
# course's venv, which every user can read. The spawner passes on only a few
# variables; JUPYTER_CONFIG_PATH is set here, so that every server reads the
# course id and the shared exchange from PREFIX/etc/jupyter.
c.Spawner.cmd = [str(venv_bin / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": str(prefix / "etc" / "jupyter"),
    "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
}

token = os.environ.get("NNCOURSE_HUB_API_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "course-admin", "api_token": token}]
    c.JupyterHub.load_roles = [{"name": "admin", "services": ["course-admin"]}]
