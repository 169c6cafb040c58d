"""The production image (Dockerfile), read as text: Docker cannot run here.

Issue 15: with PYTHONDONTWRITEBYTECODE and no compile step, every web, worker and
beat process of the image compiled the app and its libraries from source at start.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """Return the Dockerfile's (INSTRUCTION, arguments), continuations joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _index(steps, predicate, what) -> int:
    matches = [i for i, step in enumerate(steps) if predicate(*step)]
    assert matches, f"no {what} in the Dockerfile"
    return matches[-1]


def test_the_image_compiles_the_app_and_its_libraries_after_copying_the_app():
    steps = instructions()
    app_copy = _index(
        steps, lambda word, args: word == "COPY" and args == ". .", "COPY . ."
    )
    compile_step = _index(
        steps,
        lambda word, args: word == "RUN" and "compileall" in args,
        "compileall step",
    )
    assert compile_step > app_copy, "the compile step must see the app's code"
    command = steps[compile_step][1]
    assert "/app" in command.split() or " /app " in f" {command} "
    # The libraries' folder, asked of the image's own Python.
    assert "purelib" in command or "site-packages" in command
    # As root, before the image drops to its user (who cannot write the .pyc files).
    user = _index(steps, lambda word, args: word == "USER", "USER")
    assert compile_step < user


def test_no_step_turns_bytecode_writing_off_without_compiling():
    """PYTHONDONTWRITEBYTECODE is allowed only beside an explicit compile step."""
    steps = instructions()
    off = [args for word, args in steps if "PYTHONDONTWRITEBYTECODE=1" in args]
    compiled = [args for word, args in steps if word == "RUN" and "compileall" in args]
    assert compiled or not off


def test_the_compile_command_runs(tmp_path):
    """The step's own command, on scratch folders: the app's, and the libraries'
    folder its command substitution names (asked of this Python, then swapped)."""
    steps = instructions()
    command = next(
        args for word, args in steps if word == "RUN" and "compileall" in args
    )
    command = command.replace("python ", f"{sys.executable} ")
    substitution = re.search(r'"\$\((.*)\)"', command)
    libraries = subprocess.run(
        ["sh", "-c", substitution.group(1)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert Path(libraries).is_dir() and "site-packages" in libraries
    folders = []
    for name in ("app", "lib"):
        (tmp_path / name / "pkg").mkdir(parents=True)
        (tmp_path / name / "pkg" / "mod.py").write_text("VALUE = 1\n")
        folders.append(tmp_path / name)
    command = command.replace(" /app", f" {folders[0]}").replace(
        substitution.group(0), str(folders[1])
    )
    subprocess.run(["sh", "-c", command], check=True, timeout=60)
    for folder in folders:
        assert list((folder / "pkg" / "__pycache__").glob("mod.*.pyc")), folder
