package mailtest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// fakeTB records Fatalf instead of ending the test, so that failure paths
// of the package's helpers can be checked.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	fatals []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}

func (f *fakeTB) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.fatals...)
}

// stringsReader reads s.
func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// crlf turns LF line ends into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// multipartMessage has a text and an HTML alternative and a PDF
// attachment.
var multipartMessage = crlf(`From: Shop <shop@example.org>
To: alice@example.test
Subject: =?utf-8?q?Your_order_=E2=9C=93?=
Message-ID: <order-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Thanks for your order =E2=80=94 42 items.
--alt
Content-Type: text/html; charset=utf-8

<p>Thanks for your order</p>
--alt--
--outer
Content-Type: application/pdf; name="invoice.pdf"
Content-Disposition: attachment; filename="invoice.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer--
`)

// simpleMessage is a one-part text message.
func simpleMessage(from, to, subject string) string {
	return crlf(fmt.Sprintf("From: %s\nTo: %s\nSubject: %s\nDate: Thu, 3 Dec 2026 10:00:00 +0000\n"+
		"Message-ID: <%s@example.org>\n\nHello from the application.\n",
		from, to, subject, strings.ReplaceAll(subject, " ", "-")))
}
