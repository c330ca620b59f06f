"""A local SMTP sink for the main job: every message lands as a .eml file a person can open.

Run: python -m workflows.localrun.mailsink --port 8025 --folder var/mail
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        recipients = "_".join(address.split("@")[0] for address in envelope.rcpt_tos)[:60]
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{number:05d}-{recipients}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--folder", type=Path, default=Path("var/mail"))
    options = parser.parse_args()
    options.folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(SaveToFolder(options.folder), hostname=options.host, port=options.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"mail sink on {options.host}:{options.port}, saving to {options.folder}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
