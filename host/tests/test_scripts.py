"""Checks of the shell entry points in scripts/ (what `make demo` and
`make check` run first on a new machine).

scripts/setup once ran a step inside its header comment, before `set -u`
and before env.sh defined note(): every run printed
"scripts/setup: line 8: note: command not found" (issue 16).
"""

import os
import re
import shutil
import subprocess
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPTS = os.path.join(TOP, "scripts")


def bash_scripts():
    """Executable bash scripts in scripts/ (env.sh is sourced, not run)."""
    for name in sorted(os.listdir(SCRIPTS)):
        path = os.path.join(SCRIPTS, name)
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            continue
        with open(path, encoding="utf-8") as f:
            if f.readline().strip() == "#!/usr/bin/env bash":
                yield path


def first_command(path):
    """The first line of the script that is not blank or a comment."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                return line
    return None


def run_unprivileged(path):
    """Run the script as nobody with a bare environment; (status, stderr)."""
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", path],
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stderr


class Scripts(unittest.TestCase):
    def test_strict_mode_first(self):
        """Each script's first command turns on -u and pipefail."""
        scripts = list(bash_scripts())
        self.assertIn(os.path.join(SCRIPTS, "setup"), scripts)
        for path in scripts:
            with self.subTest(script=os.path.basename(path)):
                self.assertRegex(first_command(path) or "", r"^set -e?uo pipefail$")

    def test_syntax(self):
        for path in bash_scripts():
            with self.subTest(script=os.path.basename(path)):
                subprocess.run(["bash", "-n", path], check=True)

    @unittest.skipUnless(
        os.geteuid() == 0 and shutil.which("setpriv"), "needs root to run setup as nobody"
    )
    def test_setup_as_user_says_only_why(self):
        """Not root: setup stops at once, with its one message and nothing
        before it (no "command not found")."""
        rc, err = run_unprivileged(os.path.join(SCRIPTS, "setup"))
        self.assertEqual(rc, 1, err)
        self.assertEqual(err, "openvswitch_rs: error: setup installs packages: run it as root\n")
        self.assertNotRegex(err, re.compile("command not found"))


if __name__ == "__main__":
    unittest.main()
