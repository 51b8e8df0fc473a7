"""An SMTP server without STARTTLS that still offers AUTH on the plain
connection, as a relay looks when someone between slawatch and it strips the
STARTTLS offer. It accepts any credentials and every message (into a
Maildir), and appends each AUTH it receives, with the login and password, to
a file: the alert tests use it to show that slawatch with credentials never
sends them in clear.

Usage: plain_auth.py HOST:PORT MAILDIR AUTH_LOG
"""

import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult


def main():
    address, maildir, auth_log = sys.argv[1:4]
    host, port = address.rsplit(":", 1)

    def authenticator(server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode(errors="replace")
        password = auth_data.password.decode(errors="replace")
        with open(auth_log, "a", encoding="utf-8") as log:
            log.write("AUTH %s login=%s password=%s\n" % (mechanism, login, password))
        return AuthResult(success=True)

    controller = Controller(
        Mailbox(maildir),
        hostname=host,
        port=int(port),
        auth_require_tls=False,
        authenticator=authenticator,
    )
    controller.start()
    # Serves until the test kills the process.
    threading.Event().wait()


if __name__ == "__main__":
    main()
