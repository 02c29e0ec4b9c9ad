"""Progress appears on a terminal only, and never changes what is yielded."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from opsctl.progress import counting


def test_counting_yields_everything_silently_when_not_a_terminal(capsys):
    assert list(counting(range(5000), "loading")) == list(range(5000))
    assert capsys.readouterr().err == ""


def test_progress_is_drawn_on_a_terminal_and_cleared():
    script = (
        "import time\n"
        "from opsctl import logs\n"
        "from opsctl.progress import counting\n"
        "logs.configure()\n"
        "def slow():\n"
        "    for i in range(4096):\n"
        "        if i % 1024 == 0: time.sleep(0.3)\n"
        "        yield i\n"
        "print(sum(counting(slow(), 'ingesting orders.csv')))\n"
    )
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=follower, text=True
    )
    os.close(follower)
    out, _ = process.communicate(timeout=30)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert out.strip() == str(sum(range(4096)))
    assert b"ingesting orders.csv: " in drawn and b"records (" in drawn
    assert drawn.endswith(b"\r\x1b[K")
