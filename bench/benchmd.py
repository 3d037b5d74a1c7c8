"""Helpers shared by bench/run.py and bench/compare_models.py: replace a marked section of
BENCHMARKS.md, and describe the machine and the tools in plain Markdown."""

import datetime
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ["polars", "pandas", "scikit-learn", "lightgbm", "numpy", "scipy", "pyarrow"]


def replace_section(path, name, body):
    """Puts `body` between `<!-- name:start -->` and `<!-- name:end -->` in `path` (appended at
    the end when the markers are missing); the rest of the file is kept."""
    path = Path(path)
    text = path.read_text() if path.exists() else ""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def _first(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine():
    """One line: CPU model, cores, memory, OS."""
    model = "?"
    for line in _first(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    os_name = platform.system()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {mem} memory, {os_name} (Linux {platform.release()})"


def versions():
    """One line: rustc, Python and the reference packages."""
    parts = [_first(["rustc", "--version"]), f"Python {platform.python_version()}"]
    for p in PACKAGES:
        try:
            parts.append(f"{p} {metadata.version(p)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(parts)


def today():
    return datetime.date.today().isoformat()
