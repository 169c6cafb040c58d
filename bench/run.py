"""`make bench`: run every bench/bench_*.py and print the BENCH lines they report.

Each script runs in its own process with the environment tests get (DATABASE_URL /
REDIS_URL when set, else the embedded PostgreSQL and on-disk broker under var/), sets
up its own data and prints lines `BENCH <name>: <figure>`. A script that fails or
prints no BENCH line makes this runner exit non-zero, after the others ran.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "600"))
VAR_DIR = Path(os.environ.get("CANVASS_VAR_DIR") or ROOT / "var")


def main(selected: list[str]) -> int:
    scripts = sorted((ROOT / "bench").glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(word in s.name for word in selected)]
    if not scripts:
        print("make bench: no bench/bench_*.py script found")
        return 1
    env = os.environ.copy()
    env.setdefault("SECRET_KEY", "bench-only-" + uuid.uuid4().hex)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env["PYTHONUNBUFFERED"] = "1"
    print(
        "bench: database "
        + ("DATABASE_URL" if env.get("DATABASE_URL") else "embedded (var/pgdata)")
        + ", broker "
        + ("REDIS_URL" if env.get("REDIS_URL") else "on-disk (var/broker)"),
        flush=True,
    )
    embedded = None
    if not env.get("DATABASE_URL"):
        # Started (or joined) here, so the scripts join this server.
        sys.path.insert(0, str(ROOT))
        from config import embedded

        env["DATABASE_URL"] = embedded.embedded_database_url(VAR_DIR)
    try:
        # A fresh clone has an empty database and no collected static files:
        # the scripts need the tables, and the pages they time need the manifest.
        for command in (["migrate"], ["collectstatic"]):
            subprocess.run(
                [sys.executable, "manage.py", *command, "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        return _run_scripts(scripts, env)
    finally:
        if embedded is not None and embedded.started_by_this_process:
            embedded.stop_embedded_database(VAR_DIR)


def _run_scripts(scripts: list[Path], env: dict[str, str]) -> int:
    failures, lines = [], []
    for script in scripts:
        started = time.monotonic()
        try:
            result = subprocess.run(
                [sys.executable, str(script)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
            output, code = result.stdout + result.stderr, result.returncode
        except subprocess.TimeoutExpired as expired:
            output = (
                (expired.stdout or b"").decode(errors="replace")
                if isinstance(expired.stdout, bytes)
                else (expired.stdout or "")
            )
            code = f"timeout after {TIMEOUT} s"
        found = [line for line in output.splitlines() if line.startswith("BENCH ")]
        elapsed = time.monotonic() - started
        for line in found:
            print(line, flush=True)
        lines.extend(found)
        if code != 0 or not found:
            failures.append(script.name)
            print(f"bench: {script.name} failed ({code}, {elapsed:.0f} s):", flush=True)
            print("\n".join(output.splitlines()[-30:]), flush=True)
        else:
            print(f"bench: {script.name} ok in {elapsed:.0f} s", flush=True)
    print(
        f"bench: {len(scripts) - len(failures)} of {len(scripts)} scripts ok, "
        f"{len(lines)} BENCH lines"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
