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

// Mail for a domain without an account is captured, not sent (without
// Options.Queue).
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

// With Options.Queue, mail for remote domains goes through the outbound
// queue to simulated MX hosts, on a clock the test moves: a greylisting
// host defers the first attempt, and the retry two minutes later, in
// clock time, delivers.
func ExampleOptions_queue() {
	clock := mailtest.NewClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	srv, _ := mailtest.Start(mailtest.Options{Queue: &mailtest.QueueOptions{Clock: clock}})
	defer srv.Close()
	mx, _ := srv.AddRemoteMX("remote.test")
	mx.Reply(mailtest.StageRcpt, 1, 451, "Greylisted, try again later")

	smtp.SendMail(srv.SMTPAddr(), nil, "app@example.org", []string{"bob@remote.test"},
		[]byte("Subject: Invoice\r\n\r\nAttached.\r\n"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first, _ := srv.NextAttempt(ctx)
	fmt.Println("first attempt:", first.Code(0), first.At.Format(time.TimeOnly))
	clock.Advance(2 * time.Minute)
	msg, _ := mx.NextMessage(ctx)
	fmt.Println("delivered:", msg.Subject())
	// Output:
	// first attempt: 451 10:00:00
	// delivered: Invoice
}

// AdvanceQueue walks the retry schedule: five days of a host that
// always defers pass in well under a second, and the sender gets the
// notification of the expiry.
func ExampleServer_AdvanceQueue() {
	srv, _ := mailtest.Start(mailtest.Options{Queue: &mailtest.QueueOptions{WarnAfter: -1}})
	defer srv.Close()
	srv.AddAccount("alice@example.test", "pw")
	mx, _ := srv.AddRemoteMX("remote.test")
	mx.Reply(mailtest.StageRcpt, -1, 451, "Try again later")

	auth := smtp.PlainAuth("", "alice@example.test", "pw", "127.0.0.1")
	smtp.SendMail(srv.SubmissionAddr(), auth, "alice@example.test",
		[]string{"bob@remote.test"}, []byte("Subject: Report\r\n\r\nFigures.\r\n"))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		more, err := srv.AdvanceQueue(ctx)
		if err != nil || !more {
			break
		}
	}
	attempts := srv.Attempts()
	last := attempts[len(attempts)-1]
	fmt.Println(len(attempts), "attempts, the last", last.At.Sub(attempts[0].At),
		"after the first")
	dsn, _ := srv.NextMessage(ctx, "alice@example.test")
	fmt.Println(dsn.Subject())
	// Output:
	// 66 attempts, the last 120h0m0s after the first
	// Undelivered Mail Returned to Sender
}
