"""Checks the wire syntax of ACL (RFC 4314) and NAMESPACE (RFC 2342) with
Python's imaplib: an owner shares INBOX with a second user, who reads it
through the other users' namespace. Exits non-zero on a mismatch."""
import imaplib
import sys

host, port = sys.argv[1], int(sys.argv[2])
owner, user, password = sys.argv[3], sys.argv[4], sys.argv[5]
shared = '"Other Users/%s/INBOX"' % owner
imaplib.Commands.setdefault("LISTRIGHTS", ("AUTH", "SELECTED"))


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


o = imaplib.IMAP4(host, port)
check(o.login(owner, password)[0] == "OK", "owner login")
typ, caps = o.capability()
check(b" ACL " in caps[0] and b"RIGHTS=texk" in caps[0], "capability %r" % caps)
msg = b"From: o@example.test\r\nSubject: for pete\r\n\r\nshared body\r\n"
check(o.append("INBOX", None, None, msg)[0] == "OK", "append")

typ, data = o.namespace()
check(typ == "OK" and data[0] == b'(("" "/")) (("Other Users/" "/")) NIL', "namespace %r" % data)

typ, data = o.setacl("INBOX", user, "lr")
check(typ == "OK", "setacl %r" % data)
typ, data = o.setacl("INBOX", user, "+sc")
check(typ == "OK", "setacl + %r" % data)
typ, data = o.getacl("INBOX")
check(typ == "OK" and data[0] == ("INBOX %s lrswipkxteacd %s lrskc" % (owner, user)).encode(),
      "getacl %r" % data)
typ, data = o.myrights("INBOX")
check(typ == "OK" and data[0] == b"INBOX lrswipkxteacd", "myrights %r" % data)
typ, data = o._simple_command("LISTRIGHTS", "INBOX", user)
typ, data = o._untagged_response(typ, data, "LISTRIGHTS")
check(typ == "OK" and data[0] == ('INBOX %s "" l r s w i p k x t e a' % user).encode(),
      "listrights %r" % data)
try:
    o.setacl("INBOX", user, "lrz")
    check(False, "setacl with an unknown right was accepted")
except imaplib.IMAP4.error as e:
    check("BAD" in str(e), "setacl with an unknown right: %s" % e)
typ, data = o.setacl("INBOX", "-" + user, "r")
check(typ == "NO" and b"[CANNOT]" in data[0], "negative rights %r %r" % (typ, data))
typ, data = o.setacl("INBOX", "nobody@example.test", "r")
check(typ == "NO" and b"[CANNOT]" in data[0], "unknown identifier %r %r" % (typ, data))
typ, data = o.setacl("INBOX", "anyone", "p")
check(typ == "OK", "setacl anyone %r" % data)
typ, data = o.deleteacl("INBOX", "anyone")
check(typ == "OK", "deleteacl %r" % data)

u = imaplib.IMAP4(host, port)
check(u.login(user, password)[0] == "OK", "user login")
typ, data = u.list('""', '"Other Users/*"')
check(typ == "OK" and any(b'"/" "Other Users/%s/INBOX"' % owner.encode() in b for b in data),
      "list %r" % data)
typ, data = u.lsub('""', "*")
check(typ == "OK" and any(b"Other Users/" in b for b in data), "lsub %r" % data)
typ, data = u.myrights(shared)
check(typ == "OK" and data[0] == ('"Other Users/%s/INBOX" lrskc' % owner).encode(),
      "user myrights %r" % data)
typ, data = u.getacl(shared)
check(typ == "NO" and b"[NOPERM]" in data[0], "user getacl %r %r" % (typ, data))
typ, data = u.select(shared)
check(typ == "OK" and data[0] == b"1", "select %r" % data)
typ, data = u.fetch("1", "(BODY[TEXT])")
check(typ == "OK" and b"shared body" in data[0][1], "fetch %r" % data)
typ, data = u.store("1", "+FLAGS", "(\\Flagged)")
check(typ == "NO" and b"[NOPERM]" in data[0], "store flagged %r %r" % (typ, data))
typ, data = u.store("1", "+FLAGS", "(\\Seen)")
check(typ == "OK", "store seen %r %r" % (typ, data))
typ, data = u.expunge()
check(typ == "NO" and b"[NOPERM]" in data[0], "expunge %r %r" % (typ, data))
u.logout()
o.logout()
print("OK")
