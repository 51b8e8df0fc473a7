"""An aiosmtpd Mailbox that stores every message at once but acknowledges
the first one only 30 seconds later: the message is accepted (the relay has
it) while the sender does not know yet. A test kills the sender in that
window and checks what it sends after a restart."""

import asyncio

from aiosmtpd.handlers import Mailbox


class SlowAcknowledge(Mailbox):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.acknowledged_one = False

    async def handle_DATA(self, server, session, envelope):
        message = self.prepare_message(session, envelope)
        self.handle_message(message)
        if not self.acknowledged_one:
            self.acknowledged_one = True
            await asyncio.sleep(30)
        return "250 OK"
