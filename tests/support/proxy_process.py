"""The fault proxy (tests/support/faultproxy.py) in a process of its own, steered over its stdin.

A load driver that relays every byte through an in-process proxy spends its own CPU on the relay; in a
separate process the proxy's cost is the proxy's, and the driver measures only itself.

    python -m tests.support.proxy_process TARGET_PORT     # prints "port N", then reads commands:
    offline | online | quit                                # each answered "ok"
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ProxyProcess:
    """A FaultProxy on 127.0.0.1 in a child process: set_offline() cuts the line, as FaultProxy.set_offline."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ProxyProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.proxy_process", str(self.target_port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            raise RuntimeError(f"the proxy did not start: {line}")
        self.port = int(line[1])
        return self

    def _command(self, word: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(word + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"the proxy answered {answer!r} to {word}")

    def set_offline(self, offline: bool) -> None:
        self._command("offline" if offline else "online")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self._command("quit")
                self.proc.wait(10)
            except (OSError, RuntimeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def main() -> None:
    from tests.support.faultproxy import FaultProxy

    proxy = FaultProxy(int(sys.argv[1])).start()
    print(f"port {proxy.port}", flush=True)
    for line in sys.stdin:
        word = line.strip()
        if word in ("offline", "online"):
            proxy.set_offline(word == "offline")
        elif word == "quit":
            print("ok", flush=True)
            break
        else:
            print(f"unknown command {word}", flush=True)
            continue
        print("ok", flush=True)
    proxy.stop()


if __name__ == "__main__":
    main()
