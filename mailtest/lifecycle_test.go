package mailtest_test

import (
	"fmt"
	"net/smtp"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailtest"
)

// Close stops every goroutine the server started, connections and the
// queue included.
func TestCloseStopsGoroutines(t *testing.T) {
	for _, opts := range []mailtest.Options{{TLS: true},
		{TLS: true, Queue: &mailtest.QueueOptions{}}} {
		t.Run(fmt.Sprintf("queue=%v", opts.Queue != nil), func(t *testing.T) {
			closeStopsGoroutines(t, opts)
		})
	}
}

func closeStopsGoroutines(t *testing.T, opts mailtest.Options) {
	before := runtime.NumGoroutine()
	srv, err := mailtest.Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := srv.AddAccount("alice@example.test", "pw"); err != nil {
		t.Fatal(err)
	}
	mx, err := srv.AddRemoteMX("remote.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.PublishMTASTS("remote.test", "testing", time.Hour, "*.remote.test"); err != nil {
		t.Fatal(err)
	}
	// An idle client connection left open must not hold Close up.
	idle, err := smtp.Dial(srv.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	sendTLS(t, srv)
	if opts.Queue != nil {
		// One message delivered, one left waiting for its retry.
		mx.FailRecipient("later@remote.test", -1, 451, "Later")
		c := dialGoSMTP(t, srv.SMTPAddr(), "")
		sendGoSMTP(t, c, "app@example.org", []string{"bob@remote.test", "later@remote.test"},
			"Subject: q\r\n\r\nq\r\n")
		c.Quit()
		mx.WaitMessage(t, wait)
		srv.WaitQueue(t, wait)
	}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	srv.Close() // a second Close does nothing
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

func TestConcurrentSenders(t *testing.T) {
	const senders = 20
	srv := newServer(t, "alice@example.test")
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for i := range senders {
		wg.Go(func() {
			msg := simpleMessage("app@example.org", "alice@example.test", fmt.Sprint("n", i))
			errs <- smtp.SendMail(srv.SMTPAddr(), nil, "app@example.org",
				[]string{"alice@example.test"}, []byte(msg))
		})
	}
	seen := map[string]bool{}
	for range senders {
		seen[srv.WaitMessage(t, "alice@example.test", wait).Subject()] = true
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("SendMail: %v", err)
		}
	}
	if len(seen) != senders || len(srv.Messages("alice@example.test")) != senders {
		t.Errorf("%d distinct messages, %d stored, want %d", len(seen),
			len(srv.Messages("alice@example.test")), senders)
	}
}

func TestRemoteMXLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 200 hosts")
	}
	srv := newServer(t)
	for i := range 200 {
		if _, err := srv.AddRemoteMX(fmt.Sprintf("d%d.test", i)); err != nil {
			t.Fatalf("AddRemoteMX #%d: %v", i, err)
		}
	}
	if _, err := srv.AddRemoteMX("one-too-many.test"); err == nil {
		t.Error("AddRemoteMX past 200 hosts succeeded")
	}
}

// sendTLS sends one message over STARTTLS.
func sendTLS(t *testing.T, srv *mailtest.Server) {
	t.Helper()
	c, err := smtp.Dial(srv.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	steps := []func() error{
		func() error { return c.StartTLS(srv.ClientTLSConfig()) },
		func() error { return c.Mail("app@example.org") },
		func() error { return c.Rcpt("alice@example.test") },
		func() error {
			w, err := c.Data()
			if err != nil {
				return err
			}
			w.Write([]byte("Subject: x\r\n\r\ny\r\n"))
			return w.Close()
		},
		c.Quit,
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
}
