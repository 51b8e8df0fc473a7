"""An aiosmtpd Mailbox that refuses, for good, every recipient whose address
starts with "reject": the alert tests use it to show that a permanent 5xx for
one alert does not hold up the others."""

from aiosmtpd.handlers import Mailbox


class Rejecting(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
