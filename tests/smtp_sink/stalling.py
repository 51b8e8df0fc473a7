"""An aiosmtpd Mailbox that takes two seconds over every message: it notes
the message's arrival at once (a line in `<maildir>.arrivals`), waits, then
stores and acknowledges it only if the sender is still connected, as a relay
does that takes responsibility for a message only when it answers for it.
The leadership tests use it to catch a daemon mid-send."""

import asyncio
import os

from aiosmtpd.handlers import Mailbox


class Stalling(Mailbox):
    def __init__(self, mail_dir, *args, **kwargs):
        super().__init__(mail_dir, *args, **kwargs)
        self.arrivals = os.path.normpath(mail_dir) + ".arrivals"

    async def handle_DATA(self, server, session, envelope):
        with open(self.arrivals, "a") as f:
            f.write("arrived\n")
        await asyncio.sleep(2)
        if server.transport is None or server.transport.is_closing():
            return "421 sender gone"
        message = self.prepare_message(session, envelope)
        self.handle_message(message)
        return "250 OK"
