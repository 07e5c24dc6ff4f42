package imap

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
)

// FuzzParseCommand feeds arbitrary bytes to the command reader: it must
// return a command or an error, never panic or loop.
func FuzzParseCommand(f *testing.F) {
	seeds := []string{
		"a1 LOGIN alice secret\r\n",
		"a2 SELECT INBOX (CONDSTORE)\r\n",
		"a3 UID FETCH 1:* (FLAGS UID ENVELOPE BODYSTRUCTURE RFC822.SIZE BODY.PEEK[])\r\n",
		"a4 UID FETCH 1 (UID BODY.PEEK[1]<393216.393216>)\r\n",
		"a5 UID FETCH 1 (UID BODY.PEEK[TEXT]<4294967290.100>)\r\n",
		"a6 FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)] BINARY.PEEK[1]<0.10>)\r\n",
		"a7 UID SEARCH RETURN () UNSEEN\r\n",
		"a8 SEARCH CHARSET UTF-8 OR (FROM x SUBJECT {3+}\r\nabc) NOT 1:3,$\r\n",
		"a9 APPEND \"Org \\\"Alpha\\\"\" (\\Seen) {5+}\r\nhello\r\n",
		"b1 STORE 1:* +FLAGS.SILENT (\\Deleted $Junk)\r\n",
		"b2 UID STORE 1 (UNCHANGEDSINCE 5) FLAGS ()\r\n",
		"b3 LIST (SUBSCRIBED) \"\" (\"*\" \"%\") RETURN (CHILDREN STATUS (MESSAGES))\r\n",
		"b4 SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n",
		"b5 THREAD REFERENCES UTF-8 ALL\r\n",
		"b6 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n",
		"b7 CREATE \"Caf&AOk-\" (USE (\\Archive))\r\n",
		"b8 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n",
		"b9 FETCH 1:* (FLAGS\r\n",
		"c1 SEARCH ((((((((SEEN))))))))\r\n",
		"c2 ID (\"name\" \"x\" \"version\" NIL)\r\n",
		"c3 APPEND x CATENATE (URL \"/INBOX/;uid=1/;section=1\" TEXT {2+}\r\nhi)\r\n",
		"c4 GETACL INBOX\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	dir := "../../shared/testdata/imap/imaptest/tests"
	for _, name := range []string{"fetch-body", "search-sets", "list", "store"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "ok ") {
					f.Add([]byte("x " + strings.TrimPrefix(l, "ok ") + "\r\n"))
				}
			}
		}
	}
	cmds := commandSpecs()
	f.Fuzz(func(t *testing.T, data []byte) {
		d := wire.NewDecoder(bufio.NewReader(bytes.NewReader(data)))
		d.MaxLiteral = 1 << 16
		p := &parser{d: d, cmds: cmds, appendLimit: 1 << 16}
		for range 8 {
			d.Begin()
			if _, err := readCommand(p); err != nil && !d.Skip() {
				return
			}
		}
	})
}
