"""An SMTP receiver for the e-mail tests: aiosmtpd on a free port of
127.0.0.1, writing each message it accepts to DIR as NNNN.eml (the bytes as
received) and NNNN.json (the envelope and the parsed headers and parts).

    python3 smtp_sink.py DIR

Prints the port on its first line once it listens; exits when its standard
input closes (the test that started it ended). Recipients refuse as their
local part says: nobody@ with 550, full@ with 452.
"""

import asyncio
import email
import email.policy
import json
import os
import sys
import threading

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local == "nobody":
            return "550 5.1.1 no such user"
        if local == "full":
            return "452 4.2.2 mailbox full, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.folder, "%04d" % self.count)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if not part.is_multipart():
                parts[part.get_content_type()] = part.get_content()
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": message["Message-ID"],
            "subject": str(message["Subject"]),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "content_language": message["Content-Language"],
            "auto_submitted": message["Auto-Submitted"],
            "content_type": message.get_content_type(),
            "parts": parts,
        }
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        # The summary last, through a rename: its presence means "arrived".
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 accepted"


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


async def main(folder):
    handler = Sink(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, decode_data=False), "127.0.0.1", 0
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    asyncio.run(main(sys.argv[1]))
