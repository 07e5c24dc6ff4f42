package queue

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/directory/password"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/bulwarkmail/bulwark/store/memory"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

func TestMailstoreDelivery(t *testing.T) {
	dir, ms := localSetup(t)
	ld := &MailstoreDelivery{Store: ms, Directory: dir}
	ctx := context.Background()
	if ok, err := ld.IsLocalDomain(ctx, "example.com"); !ok || err != nil {
		t.Fatalf("IsLocalDomain(example.com) = %v, %v", ok, err)
	}
	res, err := ld.DeliverLocal(ctx, "x@example.net",
		[]string{"fay@example.com", "nobody@example.com"}, testMessage("local"))
	if err != nil {
		t.Fatal(err)
	}
	var ce *client.Error
	if res[0] != nil || !errors.As(res[1], &ce) || ce.Code != 550 || ce.Status != "5.1.1" {
		t.Fatalf("DeliverLocal = %v, want delivered and 550 5.1.1", res)
	}
	box, _ := ms.MailboxByName(ctx, "fay@example.com", "INBOX")
	if entries, _, _ := ms.List(ctx, "fay@example.com", box.ID); len(entries) != 1 {
		t.Errorf("inbox has %d messages, want 1", len(entries))
	}
}

// TestSubmissionToRemoteAndBounce runs the whole outbound path: a user
// submits through the SMTP server, whose Relay is the queue; the
// message reaches the remote MX, and a refused recipient's notification
// lands in the sender's inbox through mailstore (case 020 end to end).
func TestSubmissionToRemoteAndBounce(t *testing.T) {
	ctx := context.Background()
	dir, ms := localSetup(t)
	mx := &clienttest.Server{Extensions: []string{"PIPELINING", "DSN"},
		OnRcpt: func(to string) string {
			if strings.HasPrefix(to, "gone@") {
				return multiline550
			}
			return ""
		}}
	e := newEnv(t, Options{Transport: remote(t, mx),
		Local: &MailstoreDelivery{Store: ms, Directory: dir}})

	srvTLS, _, err := clienttest.Cert("submit.example.com")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := smtp.New(smtp.Options{Hostname: "submit.example.com", Mode: smtp.ModeSubmission,
		Directory: dir, Delivery: &smtp.StoreDelivery{Store: ms}, Relay: e.q,
		TLSConfig: srvTLS, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Shutdown(ctx) })

	c, err := gosmtp.DialStartTLS(l.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "fay@example.com", "secret")); err != nil {
		t.Fatal(err)
	}
	err = c.SendMail("fay@example.com", []string{"gus@example.net", "gone@example.net"},
		testMessage("outbound"))
	if err != nil {
		t.Fatalf("SendMail = %v", err)
	}
	c.Quit()

	waitFor(t, "remote delivery", func() bool { return len(mx.Messages()) == 1 })
	if got := mx.Messages()[0]; len(got.To) != 1 || got.To[0] != "gus@example.net" {
		t.Errorf("remote got %v, want gus only", got.To)
	}
	var inbox []mailstore.Entry
	waitFor(t, "bounce in inbox", func() bool {
		box, err := ms.MailboxByName(ctx, "fay@example.com", "INBOX")
		if err != nil {
			return false
		}
		inbox, _, err = ms.List(ctx, "fay@example.com", box.ID)
		return err == nil && len(inbox) == 1
	})
	em, err := ms.Email(ctx, "fay@example.com", inbox[0].EmailID)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ms.Open(ctx, "fay@example.com", em.ID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b strings.Builder
	if _, err := ioCopy(&b, rc); err != nil {
		t.Fatal(err)
	}
	d := parseDSN(t, []byte(b.String()))
	if len(d.recipients) != 1 || field(d.recipients[0], "Final-Recipient") !=
		"rfc822; gone@example.net" || field(d.recipients[0], "Status") != "5.2.1" {
		t.Errorf("bounce recipients %v", d.recipients)
	}
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
}

// localSetup makes a directory with fay@example.com and her mail store.
func localSetup(t *testing.T) (*local.Directory, *mailstore.Store) {
	t.Helper()
	ctx := context.Background()
	dir, err := local.New(ctx, memory.New(), local.Options{Directory: directory.Options{
		Passwords: password.Options{Argon2: password.Argon2Params{Time: 1, Memory: 64, Threads: 1}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.CreatePrincipal(ctx, directory.Principal{Name: "fay@example.com",
		Emails: []string{"fay@example.com"}, Roles: []string{"user"}}, "secret"); err != nil {
		t.Fatal(err)
	}
	ms, err := mailstore.New(ctx, mailstore.Options{KV: memory.New(), Blobs: memory.NewBlobs()})
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.CreateAccount(ctx, "fay@example.com"); err != nil {
		t.Fatal(err)
	}
	return dir, ms
}
