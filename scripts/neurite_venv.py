"""Runs a project script inside its own virtual environment.

`ensure(packages)` re-executes the calling script with the Python of a venv
under the user's cache (``$XDG_CACHE_HOME/neurite/venv-<hash>``, default
``~/.cache/neurite/...``), creating it and installing `packages` (pip
requirement strings, e.g. ``neuron==9.0.2``) the first time. A script
started by that Python already runs in it and goes on. Set
``NEURITE_PYTHON`` to use another interpreter that has the packages.
"""

import hashlib
import os
import subprocess
import sys


def venv_dir(packages):
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha256("\n".join(sorted(packages)).encode()).hexdigest()[:12]
    return os.path.join(cache, "neurite", "venv-" + key)


def ensure(packages):
    override = os.environ.get("NEURITE_PYTHON")
    if override:
        python = override
    else:
        root = venv_dir(packages)
        python = os.path.join(root, "bin", "python")
        marker = os.path.join(root, ".installed")
        if not os.path.exists(marker):
            print("neurite_venv: creating %s with %s" % (root, " ".join(packages)), file=sys.stderr, flush=True)
            subprocess.run([sys.executable, "-m", "venv", root], check=True)
            subprocess.run([python, "-m", "pip", "install", "-q", *packages], check=True)
            open(marker, "w").close()
    # Already running there (the re-executed script, or started with it).
    if os.environ.get("NEURITE_VENV_ACTIVE") == python or os.path.realpath(sys.prefix) == os.path.realpath(
        os.path.dirname(os.path.dirname(python))
    ):
        return
    os.environ["NEURITE_VENV_ACTIVE"] = python
    os.execv(python, [python, *sys.argv])
