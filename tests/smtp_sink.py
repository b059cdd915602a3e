"""A real SMTP server for the mail tests, built on aiosmtpd, and an independent MIME reader.

    python3 smtp_sink.py DIR [--refuse N] [--hold-file PATH]
    python3 smtp_sink.py --read FILE     (prints the message as JSON, read by Python's email)

Prints "listening PORT" once it accepts connections. Every message it accepts is written whole
(as received) to DIR/NNNNNN-<uuid>.eml, atomically, so a reader never sees half a file.
  --refuse N        answer the first N messages with 451 (try again later).
  --delay-ms N      take N milliseconds over each message, as a busy server does.
  --hold-file PATH  while PATH exists, hold the reply to each message. A message whose sender
                    went away while held is not kept: like a mail server that takes responsibility
                    for a message only when it answers 250. While a reply is held, a file
                    DIR/<uuid>.held says so, so a test can wait until a message is mid-exchange.
"""

import argparse
import asyncio
import itertools
import os
import socket
import sys
import time
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, refuse, hold_file, delay):
        self.delay = delay
        self.folder = folder
        self.refuse = refuse
        self.hold_file = hold_file
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold_file and os.path.exists(self.hold_file):
            marker = os.path.join(self.folder, uuid.uuid4().hex + ".held")
            open(marker, "wb").close()
            try:
                # Until released, or until the sender goes away (the marker then goes at once,
                # so a test can tell that every message whose sender died was let go).
                while os.path.exists(self.hold_file) and not gone(server):
                    await asyncio.sleep(0.02)
            finally:
                os.remove(marker)
        if gone(server):
            return "451 4.3.0 gone"
        name = f"{next(self.counter):06d}-{uuid.uuid4().hex}.eml"
        partial = os.path.join(self.folder, "." + name)
        with open(partial, "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.rename(partial, os.path.join(self.folder, name))
        return "250 2.0.0 accepted"


def gone(server):
    """Whether the sender of the message in hand has gone away."""
    return server.transport is None or server.transport.is_closing()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read(path):
    """Parse a stored message with the standard library's strict policy; print what tests check."""
    import email
    import email.policy
    import json

    with open(path, "rb") as raw:
        message = email.message_from_binary_file(raw, policy=email.policy.strict)
    parts = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts[part.get_content_type()] = part.get_content()
    print(json.dumps({
        "subject": str(message["Subject"]),
        "from": str(message["From"]),
        "to": str(message["To"]),
        "message_id": str(message["Message-ID"]),
        "list_unsubscribe": str(message["List-Unsubscribe"]),
        "list_unsubscribe_post": str(message["List-Unsubscribe-Post"]),
        "content_type": message.get_content_type(),
        "defects": [str(d) for part in message.walk() for d in part.defects],
        "text": parts.get("text/plain"),
        "html": parts.get("text/html"),
    }))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--read":
        return read(sys.argv[2])
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--refuse", type=int, default=0)
    parser.add_argument("--hold-file", default=None)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    port = free_port()
    controller = Controller(
        Sink(args.folder, args.refuse, args.hold_file, args.delay_ms / 1000),
        hostname="127.0.0.1",
        port=port,
        data_size_limit=1_000_000,
    )
    controller.start()
    print(f"listening {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
