package mailtest_test

import (
	"net/smtp"
	"testing"
)

// BenchmarkSendAndWait measures one message sent with net/smtp and
// taken back with WaitMessage: the round trip of a test using the
// package.
func BenchmarkSendAndWait(b *testing.B) {
	srv := newServerTB(b, "alice@example.test")
	msg := []byte(simpleMessage("app@example.org", "alice@example.test", "bench"))
	for b.Loop() {
		if err := smtp.SendMail(srv.SMTPAddr(), nil, "app@example.org",
			[]string{"alice@example.test"}, msg); err != nil {
			b.Fatal(err)
		}
		srv.WaitMessage(b, "alice@example.test", wait)
	}
}

// BenchmarkNewServer measures starting and closing a server.
func BenchmarkNewServer(b *testing.B) {
	for b.Loop() {
		srv := newServerTB(b)
		srv.Close()
	}
}
