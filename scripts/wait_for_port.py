"""Wait until something listens on HOST PORT, then exit 0; exit 1 after --timeout seconds.

`make run` starts the mail worker with this in front of it, so that the worker's first
delivery finds the mail catcher listening instead of logging "connection refused".
"""

import argparse
import socket
import sys
import time


def wait_for(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--timeout", type=float, default=30)
    arguments = parser.parse_args()
    if wait_for(arguments.host, arguments.port, arguments.timeout):
        return 0
    print(
        f"Nothing listens on {arguments.host}:{arguments.port} after {arguments.timeout:g} s.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
