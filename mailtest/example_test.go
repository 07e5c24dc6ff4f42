package mailtest_test

import (
	"context"
	"fmt"
	"net/smtp"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailtest"
)

// A program sends a message with net/smtp and reads what arrived.
func Example() {
	srv, _ := mailtest.Start(mailtest.Options{})
	defer srv.Close()
	srv.AddAccount("alice@example.test", "pw")

	smtp.SendMail(srv.SMTPAddr(), nil, "app@example.org", []string{"alice@example.test"},
		[]byte("From: app@example.org\r\nSubject: Welcome\r\n\r\nHello Alice\r\n"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg, _ := srv.NextMessage(ctx, "alice@example.test")
	fmt.Println(msg.Subject(), "/", msg.Text())
	// Output: Welcome / Hello Alice
}

// In a test, NewServer closes the server at the end and WaitMessage
// fails the test when nothing arrives.
func ExampleNewServer() {
	testSignupMail := func(t *testing.T) {
		srv := mailtest.NewServer(t)
		srv.AddAccount("alice@example.test", "pw")
		sendSignupMail(srv.SMTPAddr(), "alice@example.test") // the code under test
		msg := srv.WaitMessage(t, "alice@example.test", 5*time.Second)
		if msg.Subject() != "Welcome" {
			t.Errorf("Subject = %q", msg.Subject())
		}
	}
	_ = testSignupMail
}

// Mail for a domain without an account is captured, not sent.
func ExampleServer_Outbound() {
	srv, _ := mailtest.Start(mailtest.Options{})
	defer srv.Close()

	smtp.SendMail(srv.SMTPAddr(), nil, "app@example.org", []string{"bob@remote.test"},
		[]byte("Subject: Invoice\r\n\r\nAttached.\r\n"))

	for _, m := range srv.Outbound() {
		fmt.Println(m.Envelope.To, m.Subject())
	}
	// Output: [bob@remote.test] Invoice
}

// sendSignupMail stands for the application's own mail code.
func sendSignupMail(addr, to string) error {
	return smtp.SendMail(addr, nil, "app@example.org", []string{to},
		[]byte("Subject: Welcome\r\n\r\nHello\r\n"))
}
