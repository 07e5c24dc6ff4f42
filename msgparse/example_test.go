package msgparse_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/bulwarkmail/bulwark/msgparse"
)

func Example() {
	raw := "From: Ann <ann@example.com>\r\n" +
		"Subject: =?utf-8?q?Re=3A_caf=C3=A9?=\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n" +
		"\r\n" +
		"--b\r\n" +
		"Content-Type: text/plain\r\n" +
		"\r\n" +
		"See the list.\r\n" +
		"--b\r\n" +
		"Content-Type: text/csv; name=list.csv\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"YSxiCg==\r\n" +
		"--b--\r\n"
	m, err := msgparse.Parse(strings.NewReader(raw))
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Subject, "|", m.ThreadSubject, "|", m.Preview)

	// IMAP BODY[2] and BINARY[2] read the stored bytes by offset.
	p := m.Section([]int{2})
	off, n := p.BodyRange()
	fmt.Printf("%s %q\n", p.Filename, raw[off:off+n])
	body, _ := io.ReadAll(p.BodyReader(strings.NewReader(raw)))
	fmt.Printf("%q\n", body)

	// The stored form is what mailstore keeps beside the blob.
	stored, _ := m.MarshalBinary()
	var back msgparse.Message
	if err := back.UnmarshalBinary(stored); err != nil {
		panic(err)
	}
	fmt.Println(back.From[0].Addr(), len(back.Attachments))
	// Output:
	// Re: café | café | See the list.
	// list.csv "YSxiCg=="
	// "a,b\n"
	// ann@example.com 1
}
