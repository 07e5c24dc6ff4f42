"""Drives the server with Python's imaplib; exits non-zero on a mismatch."""
import imaplib
import sys

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


m = imaplib.IMAP4(host, port)
typ, _ = m.login(user, password)
check(typ == "OK", "login")
typ, caps = m.capability()
check(b"IMAP4rev1" in caps[0], "capability")
check(m.create("Py/Sub")[0] == "OK", "create")
typ, boxes = m.list()
check(typ == "OK" and any(b'"Py/Sub"' in b or b"Py/Sub" in b for b in boxes), "list %r" % boxes)
for i in range(3):
    msg = ("From: p@example.test\r\nSubject: py %d\r\n\r\nbody number %d\r\n" % (i, i)).encode()
    typ, data = m.append("INBOX", "(\\Flagged)" if i == 0 else None, None, msg)
    check(typ == "OK" and b"APPENDUID" in data[0], "append %r" % data)
typ, data = m.select("INBOX")
check(typ == "OK" and data[0] == b"3", "select %r" % data)
typ, data = m.fetch("1:3", "(FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
check(typ == "OK" and len([d for d in data if isinstance(d, tuple)]) == 3, "fetch %r" % data)
typ, data = m.uid("SEARCH", None, "BODY", "number 2")
check(typ == "OK" and len(data[0].split()) == 1, "uid search %r" % data)
typ, data = m.search(None, "FLAGGED")
check(data[0] == b"1", "search flagged %r" % data)
typ, data = m.store("2", "+FLAGS", "(\\Deleted)")
check(typ == "OK" and b"\\Deleted" in data[0], "store %r" % data)
typ, data = m.copy("1", "Py/Sub")
check(typ == "OK", "copy")
typ, data = m.expunge()
check(typ == "OK" and data[0] == b"2", "expunge %r" % data)
typ, data = m.sort("(REVERSE SUBJECT)", "UTF-8", "ALL")
check(typ == "OK" and data[0] == b"2 1", "sort %r" % data)
typ, data = m.status("Py/Sub", "(MESSAGES UIDNEXT)")
check(typ == "OK" and b"MESSAGES 1" in data[0], "status %r" % data)
typ, data = m.fetch("1", "(BODY[TEXT])")
check(typ == "OK" and b"body number 0" in data[0][1], "fetch body %r" % data)
typ, data = m.fetch("1", "(FLAGS)")
check(b"\\Seen" in data[0], "seen after fetch %r" % data)
typ, data = m.store("1", "+FLAGS", "(MyLabel $Forwarded)")
check(typ == "OK" and b"MyLabel" in data[0] and b"$Forwarded" in data[0], "keyword spelling %r" % data)
typ, data = m.search(None, "KEYWORD", "mylabel")
check(data[0] == b"1", "search keyword %r" % data)
try:
    m.select('"IN\x00BOX"')
    check(False, "NUL in a quoted string was accepted")
except imaplib.IMAP4.error as e:
    check("BAD" in str(e) or "NUL" in str(e), "NUL refusal %r" % e)
typ, data = m.noop()
check(typ == "OK", "session usable after BAD")
typ, data = m.select("INBOX")
check(typ == "OK", "reselect")
m.close()
m.logout()
print("OK")
