"""A real SMTP server for nvr/notify's tests: aiosmtpd (Debian
python3-aiosmtpd) on 127.0.0.1:PORT, with STARTTLS required ("starttls")
or TLS from the first byte ("tls"), writing each message it accepts to
OUTDIR as NNNN.eml (the recipients first, in NNNN.rcpt; the .eml appears
whole, by rename). Prints READY once listening; stops when stdin closes.

usage: smtpd.py MODE PORT CERT KEY OUTDIR
"""
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Keep:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.outdir, "%04d" % self.n)
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"


def main():
    mode, port, cert, key, outdir = sys.argv[1:6]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    handler = Keep(outdir)
    if mode == "starttls":
        c = Controller(handler, hostname="127.0.0.1", port=int(port),
                       tls_context=ctx, require_starttls=True)
    elif mode == "tls":
        c = Controller(handler, hostname="127.0.0.1", port=int(port), ssl_context=ctx)
    else:
        raise SystemExit("mode must be starttls or tls")
    c.start()
    print("READY", flush=True)
    sys.stdin.read()
    c.stop()


if __name__ == "__main__":
    main()
