#!/usr/bin/python3
"""Reads one message (a file as received, or an mbox with --mbox) with
Python's email package and prints what culprit's tests check, as JSON."""
import email
import json
import mailbox
import sys
from email import policy


def main():
    path = sys.argv[-1]
    if "--mbox" in sys.argv:
        messages = list(mailbox.mbox(path))
        raw = messages[0].as_bytes()
        count = len(messages)
    else:
        raw = open(path, "rb").read()
        count = 1
    msg = email.message_from_bytes(raw, policy=policy.default)

    def addresses(name):
        header = msg[name]
        return [a.addr_spec for a in header.addresses] if header is not None else []

    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        parts.append({
            "type": part.get_content_type(),
            "filename": part.get_filename(),
            "encoding": part.get("Content-Transfer-Encoding"),
            "text": payload.decode("utf-8", "replace"),
            "defects": len(part.defects),
        })
    print(json.dumps({
        "count": count,
        "from": [msg["from"].addresses[0].display_name, msg["from"].addresses[0].addr_spec],
        "to": addresses("to"),
        "cc": addresses("cc"),
        "subject": str(msg["subject"]),
        "message_id": str(msg["message-id"]),
        "in_reply_to": str(msg["in-reply-to"]),
        "references": str(msg["references"]),
        "date": msg["date"].datetime.isoformat() if msg["date"] else None,
        "defects": len(msg.defects),
        "parts": parts,
    }))


if __name__ == "__main__":
    main()
