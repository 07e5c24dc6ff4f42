"""End-to-end check of a running Bulwark server with Python's own clients.

Sends every message of a corpus over SMTP (smtplib), fetches each one back
over IMAP (imaplib) and checks that:
  * the fetched message is the sent one byte for byte, after the trace
    header fields the server prepends;
  * ENVELOPE and BODYSTRUCTURE agree with what Python's email package
    parses from the same bytes, for the fields both define.

Prints one JSON object with the counts and the failures, and exits 1 when
any message failed.
"""

import argparse
import csv
import email
import email.policy
import imaplib
import json
import os
import re
import smtplib
import sys

TRACE_FIELDS = {
    b"return-path", b"received", b"authentication-results", b"received-spf",
    b"arc-seal", b"arc-message-signature", b"arc-authentication-results",
    b"x-spam-status", b"x-spam-score", b"delivered-to",
}


def corpus(root, index):
    """Yields (name, bytes) for every message listed in INDEX.tsv."""
    with open(index, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    for row in rows[1:]:
        # A field with a line break splits a row; its tail is no path.
        path = row[0] if row else ""
        if path and os.path.isfile(os.path.join(root, path)):
            with open(os.path.join(root, path), "rb") as m:
                yield path, m.read()


def wire_form(raw):
    """The message as SMTP DATA carries it: CRLF line ends, ending in CRLF."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def strip_trace(fetched, sent):
    """Returns the trace fields prepended to sent, or None if fetched is not
    sent with only trace fields in front of it."""
    if not fetched.endswith(sent):
        return None
    prefix = fetched[: len(fetched) - len(sent)]
    names = re.findall(rb"^([^ \t\r\n:]+):", prefix, re.M)
    if any(n.lower() not in TRACE_FIELDS for n in names):
        return None
    return [n.decode() for n in names]


# --- IMAP response parsing -------------------------------------------------

TOKEN = re.compile(rb'\s*(\(|\)|"(?:[^"\\]|\\.)*"|NIL|\{\d+\}|[^\s()"]+)')


def join_literals(parts):
    """imaplib hands a FETCH response as (head, literal) pairs and plain
    byte strings; rebuild one byte string with literals inline as quoted
    strings is lossy, so keep them in a side table instead."""
    out, lits = b"", []
    for p in parts:
        if isinstance(p, tuple):
            head, lit = p
            out += re.sub(rb"\{\d+\}$", b"\x00LIT%d\x00" % len(lits), head)
            lits.append(lit)
        elif p is not None:
            out += p
    return out, lits


def parse_sexpr(data, lits):
    pos = 0
    stack = [[]]
    lit_re = re.compile(rb"\x00LIT(\d+)\x00")
    while pos < len(data):
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        m = lit_re.match(data, pos)
        if m:
            stack[-1].append(lits[int(m.group(1))])
            pos = m.end()
            continue
        m = TOKEN.match(data, pos)
        if not m:
            break
        tok = m.group(1)
        pos = m.end()
        if tok == b"(":
            stack.append([])
        elif tok == b")":
            done = stack.pop()
            stack[-1].append(done)
        elif tok == b"NIL":
            stack[-1].append(None)
        elif tok.startswith(b'"'):
            stack[-1].append(re.sub(rb"\\(.)", rb"\1", tok[1:-1]))
        else:
            stack[-1].append(tok)
    return stack[0]


def fetch_items(resp_list):
    data, lits = join_literals(resp_list)
    tree = parse_sexpr(data, lits)
    # tree: [seq, [ITEM value ITEM value ...]]
    items = {}
    for node in tree:
        if isinstance(node, list):
            for i in range(0, len(node) - 1, 2):
                key = node[i].upper() if isinstance(node[i], bytes) else node[i]
                items[key] = node[i + 1]
    return items


# --- comparisons -------------------------------------------------------------

def lower(b):
    return b.decode("utf-8", "replace").lower() if isinstance(b, bytes) else b


def structure_types(bs):
    """Content types of BODYSTRUCTURE in depth-first order, as the
    leaves and multiparts Python's walk() yields."""
    out = []

    def walk(node):
        if node and isinstance(node[0], list):
            i = 0
            while i < len(node) and isinstance(node[i], list):
                i += 1
            sub = lower(node[i]) if i < len(node) else "mixed"
            out.append("multipart/" + sub)
            for n in node[:i]:
                walk(n)
        else:
            t = "%s/%s" % (lower(node[0]), lower(node[1]))
            out.append(t)
            if t == "message/rfc822" and len(node) > 8 and isinstance(node[8], list):
                walk(node[8])
    walk(bs)
    return out


def python_types(msg):
    out = []

    def walk(m):
        ct = m.get_content_type()
        if ct.startswith("message/") and ct not in ("message/rfc822", "message/global"):
            # Python splits delivery-status groups and external-body
            # headers into parts; IMAP nests only messages (RFC 9051
            # section 7.5.2).
            out.append(ct)
        elif ct.startswith("multipart/") and not isinstance(m.get_payload(), list):
            out.append(ct)
            out.append("text/plain")
        elif m.is_multipart():
            out.append(ct)
            parts = m.get_payload()
            if not parts:
                # IMAP's body-type-mpart needs one part (RFC 9051,
                # section 9): an empty multipart shows its preamble as
                # text/plain.
                out.append("text/plain")
            for p in parts:
                walk(p)
        else:
            out.append(ct)
            if ct == "message/rfc822":
                payload = m.get_payload()
                if isinstance(payload, list) and payload:
                    walk(payload[0])
    walk(msg)
    return out


def compare(name, sent, items):
    problems = []
    msg = email.message_from_bytes(sent, policy=email.policy.compat32)
    env = items.get(b"ENVELOPE")
    if env is None or not isinstance(env, list) or len(env) < 10:
        return ["no ENVELOPE"]
    subject = msg.get("Subject")
    if subject is not None and str(subject).isascii():
        want = " ".join(str(subject).split())
        got = " ".join(lower(env[1]).split()) if env[1] is not None else None
        if got is None or got != want.lower():
            problems.append("envelope subject %r, python %r" % (env[1], str(subject)))
    mid = msg.get("Message-ID")
    if mid is not None and mid.strip():
        got = env[9].decode("utf-8", "replace").strip() if env[9] else None
        if got != " ".join(mid.split()):
            problems.append("envelope message-id %r, python %r" % (got, mid))
    bs = items.get(b"BODYSTRUCTURE")
    if bs is None:
        problems.append("no BODYSTRUCTURE")
    elif not msg.defects:
        got, want = structure_types(bs), python_types(msg)
        if got != want:
            problems.append("bodystructure types %s, python %s" % (got, want))
    return problems


def known_differences(path):
    """Messages where the server's reading of malformed MIME deliberately
    differs from Python's, with the reason, from a TSV file."""
    known = {}
    if path:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    name, reason = line.rstrip("\n").split("\t", 1)
                    known[name] = reason
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smtp", required=True)
    ap.add_argument("--imap", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--known", default="")
    a = ap.parse_args()

    sh, sp = a.smtp.rsplit(":", 1)
    ih, ip = a.imap.rsplit(":", 1)
    root = a.corpus
    msgs = list(corpus(root, os.path.join(root, "INDEX.tsv")))

    sent, refused = [], []
    # A new session every 50 messages, as a sending MTA would.
    for start in range(0, len(msgs), 50):
        with smtplib.SMTP(sh, int(sp), timeout=30) as s:
            s.ehlo("e2e.test")
            for name, raw in msgs[start:start + 50]:
                data = wire_form(raw)
                try:
                    s.sendmail("sender@e2e.test", [a.user], data)
                    sent.append((name, data))
                except smtplib.SMTPResponseException as e:
                    refused.append({"name": name, "code": e.smtp_code,
                                    "reply": e.smtp_error.decode("utf-8", "replace")})
                    s.rset()

    im = imaplib.IMAP4(ih, int(ip), timeout=60)
    im.login(a.user, a.password)
    typ, data = im.select("INBOX", readonly=True)
    count = int(data[0])
    failures, traces, excused = [], set(), []
    known = known_differences(a.known)
    if count != len(sent):
        failures.append({"name": "*", "problems": ["INBOX has %d, sent %d" % (count, len(sent))]})
    for i, (name, data) in enumerate(sent[:count], start=1):
        typ, resp = im.fetch(str(i), "(BODY.PEEK[] ENVELOPE BODYSTRUCTURE)")
        items = fetch_items(resp)
        body = items.get(b"BODY[]")
        problems = []
        if not isinstance(body, bytes):
            problems.append("no BODY[]")
        else:
            # A NUL octet cannot travel in a non-binary literal (RFC 9051
            # section 4.3): BODY[] carries it as 0x80, BINARY[] as it is.
            t = strip_trace(body, data.replace(b"\x00", b"\x80"))
            if t is None:
                problems.append("fetched message differs from the sent one")
            else:
                traces.update(t)
        structure = compare(name, data, items)
        if structure and name in known:
            structure = []
            excused.append(name)
        problems += structure
        if problems:
            failures.append({"name": name, "problems": problems})
    im.logout()
    print(json.dumps({"messages": len(msgs), "sent": len(sent), "refused": refused,
                      "checked": min(count, len(sent)), "failures": failures,
                      "known_differences": excused,
                      "trace_fields": sorted(traces)}, indent=1))
    sys.exit(1 if failures or refused else 0)


if __name__ == "__main__":
    main()
