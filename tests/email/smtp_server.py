#!/usr/bin/python3
"""A real SMTP server for culprit's mail tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a free port, writes the port to --port-file once it
accepts connections, and stores every message it accepts as DIR/<n>.eml
(the bytes received) with DIR/<n>.json (envelope sender, recipients, login).
It can refuse recipients (550), drop the connection at RCPT or DATA, offer
STARTTLS, speak TLS from the start (smtps) and require a login.
Runs until it is killed.
"""
import argparse
import asyncio
import json
import os
import ssl
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--refuse", action="append", default=[], help="answer 550 to RCPT TO:<ADDR>")
    p.add_argument("--drop-at", choices=["rcpt", "data"], help="close the connection there")
    p.add_argument("--cert", help="PEM certificate (and --key) for TLS")
    p.add_argument("--key")
    p.add_argument("--starttls", action="store_true", help="offer STARTTLS")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--implicit-tls", action="store_true", help="TLS from the start (smtps)")
    p.add_argument("--login", help="USER:PASSWORD required (AUTH)")
    return p.parse_args()


class Store:
    def __init__(self, args):
        self.args = args
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.drop_at == "rcpt":
            server.transport.close()
            return "421 closing"
        if address in self.args.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if self.args.drop_at == "data":
            server.transport.close()
            return "421 closing"
        self.count += 1
        base = os.path.join(self.args.dir, str(self.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        login = session.auth_data
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": login,
                       "tls": server.transport.get_extra_info("ssl_object") is not None}, f)
        return "250 2.0.0 Ok: queued as %d" % self.count


def main():
    warnings.simplefilter("ignore")
    args = parse_args()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    login = args.login.split(":", 1) if args.login else None

    def authenticate(server, session, envelope, mechanism, data):
        ok = (login is not None and isinstance(data, LoginPassword)
              and data.login.decode() == login[0] and data.password.decode() == login[1])
        return AuthResult(success=ok, auth_data=data.login.decode() if ok else None)

    handler = Store(args)

    def factory():
        return SMTP(handler, hostname="smtp.test", enable_SMTPUTF8=True,
                    tls_context=context if args.starttls else None,
                    require_starttls=args.require_starttls,
                    authenticator=authenticate if login else None,
                    auth_required=login is not None,
                    auth_require_tls=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        factory, "127.0.0.1", 0, ssl=context if args.implicit_tls else None))
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, args.port_file)
    loop.run_forever()


if __name__ == "__main__":
    main()
