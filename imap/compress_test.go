package imap

import (
	"bufio"
	"compress/flate"
	"strings"
	"testing"
	"time"
)

// TestCompressDeflate turns on COMPRESS=DEFLATE (RFC 4978) and runs
// commands through raw deflate streams in both directions.
func TestCompressDeflate(t *testing.T) {
	env := newEnv(t, []string{"cy@example.test"}, nil)
	c := env.login("cy@example.test")
	c.ok("COMPRESS DEFLATE")
	zw, err := flate.NewWriter(c.conn, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	zr := bufio.NewReader(flate.NewReader(c.r))
	for i, cmd := range []string{"NAMESPACE", "SELECT INBOX", "NOOP"} {
		tag := "z" + string(rune('a'+i))
		if _, err := zw.Write([]byte(tag + " " + cmd + "\r\n")); err != nil {
			t.Fatal(err)
		}
		if err := zw.Flush(); err != nil {
			t.Fatal(err)
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			line, err := zr.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: read: %v", cmd, err)
			}
			if strings.HasPrefix(line, tag+" ") {
				if !strings.HasPrefix(line, tag+" OK") {
					t.Fatalf("%s: %q", cmd, line)
				}
				break
			}
		}
	}
}
