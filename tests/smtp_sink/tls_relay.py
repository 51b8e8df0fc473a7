"""An SMTP relay with STARTTLS and a certificate from a CA of the test's
own (as a council's internal relay has), optionally offering only XOAUTH2
(as Exchange Online and Gmail do for OAuth).

Modes:
  open        no authentication offered; every message accepted.
  xoauth2     AUTH XOAUTH2 only, after STARTTLS. A bearer token starting
              with "tok-" is accepted; each attempt is appended to AUTH_LOG
              as "XOAUTH2 user=<user> token=<token>".
  basic-off   as xoauth2, but MAIL FROM is answered as Exchange Online does
              for a tenant without SMTP AUTH: 550 5.7.30.

Usage: tls_relay.py HOST:PORT MAILDIR CERT KEY AUTH_LOG MODE
"""

import base64
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult


class Relay(Mailbox):
    def __init__(self, maildir, auth_log, mode):
        super().__init__(maildir)
        self.auth_log = auth_log
        self.mode = mode

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mode == "basic-off":
            return "550 5.7.30 Basic authentication is not supported for Client Submission."
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class OAuthRelay(Relay):
    async def auth_XOAUTH2(self, server, args):
        # XOAUTH2 sends its whole answer with the command:
        # base64("user=U\x01auth=Bearer T\x01\x01").
        if len(args) < 2:
            return AuthResult(success=False, handled=False)
        text = base64.b64decode(args[1]).decode(errors="replace")
        fields = dict(
            part.split("=", 1) for part in text.split("\x01") if "=" in part
        )
        user = fields.get("user", "")
        token = fields.get("auth", "").removeprefix("Bearer ")
        with open(self.auth_log, "a", encoding="utf-8") as log:
            log.write("XOAUTH2 user=%s token=%s\n" % (user, token))
        if token.startswith("tok-"):
            return AuthResult(success=True)
        return AuthResult(
            success=False,
            handled=False,
            message="535 5.7.3 Authentication unsuccessful",
        )


def main():
    address, maildir, cert, key, auth_log, mode = sys.argv[1:7]
    host, port = address.rsplit(":", 1)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if mode == "open":
        handler = Relay(maildir, auth_log, mode)
        extra = {}
    else:
        handler = OAuthRelay(maildir, auth_log, mode)
        extra = {
            "auth_require_tls": True,
            "auth_exclude_mechanism": ["PLAIN", "LOGIN"],
            "authenticator": lambda *a: AuthResult(success=False),
        }
    controller = Controller(
        handler,
        hostname=host,
        port=int(port),
        tls_context=context,
        require_starttls=True,
        **extra,
    )
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
