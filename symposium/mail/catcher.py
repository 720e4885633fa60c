"""A local mail catcher for development: every message received is kept as a .eml file."""

import asyncio
import signal
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class MailDirHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def serve(host: str, port: int, directory: Path) -> None:
    """Receive mail until SIGTERM or Ctrl-C."""
    controller = Controller(MailDirHandler(directory), hostname=host, port=port)
    controller.start()
    print(f"Mail catcher on {host}:{port}, keeping messages in {directory}", flush=True)
    stopped = asyncio.Event()
    loop = asyncio.new_event_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    try:
        loop.run_until_complete(stopped.wait())
    finally:
        controller.stop()
        loop.close()
