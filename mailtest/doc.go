// Package mailtest runs an in-process mail server for the unit tests of
// applications that send or read mail, in the spirit of net/http/httptest.
//
// NewServer starts, on random 127.0.0.1 ports, an SMTP server (no AUTH,
// plain text), a submission server (AUTH PLAIN and LOGIN allowed without
// TLS) and an IMAP server over one in-memory mail store, and closes them
// when the test ends. A test creates accounts, lets the application send
// with its own SMTP code, then asserts on what arrived:
//
//	srv := mailtest.NewServer(t)
//	srv.AddAccount("alice@example.test", "pw")
//	sendWelcome(srv.SMTPAddr(), "alice@example.test") // the code under test
//	msg := srv.WaitMessage(t, "alice@example.test", 5*time.Second)
//	if msg.Subject() != "Welcome" { t.Errorf("Subject = %q", msg.Subject()) }
//
// A Message carries the envelope, the header, the decoded text and HTML
// bodies, the attachments, the raw bytes and the sender authentication
// results. Put stores fixtures straight into a mailbox for applications
// that read mail over IMAP. Start and Close run the same server outside a
// test; NewServerWith takes Options.
//
// Mail for domains without an account (from loopback on the SMTP port,
// or submitted with AUTH) is outbound. By default it is recorded instead
// of sent, and a test reads it with Outbound and WaitOutbound.
//
// With Options.Queue it is also queued in package queue, on the
// server's memory store, and sent by the SMTP client of package
// smtp/client to the RemoteMX hosts of the fake DNS, never beyond
// loopback. The queue reads the time of a Clock (Server.Clock), which
// wakes it when moved, so a test walks retries, delay warnings and
// expiry in milliseconds: Attempts and WaitAttempt give each delivery
// attempt with its reply code, WaitQueue waits until the queue has
// nothing due, StepQueue moves the clock to the next retry, and the
// delivery status notifications (RFC 3464) the queue sends to local
// senders arrive in their mailboxes for WaitMessage. Queue gives the
// queue's own management calls. A greylisting host, as a test sees it:
//
//	srv := mailtest.NewServerWith(t, mailtest.Options{Queue: &mailtest.QueueOptions{}})
//	mx, _ := srv.AddRemoteMX("remote.test")
//	mx.Reply(mailtest.StageRcpt, 1, 451, "Greylisted")
//	sendInvoice(srv.SMTPAddr(), "bob@remote.test") // the code under test
//	first := srv.WaitAttempt(t, 5*time.Second)       // first.Code(0) == 451
//	srv.Clock().Advance(2 * time.Minute)             // the first retry is due
//	msg := mx.WaitMessage(t, 5*time.Second)
//
// Beyond that:
//   - FailRecipient and FailRecipientN make chosen recipients answer a
//     temporary or permanent reply at RCPT TO on the server's own
//     ports, with or without the queue; RemoteMX.FailRecipient makes a
//     recipient fail at a remote host, so that the queue retries or
//     bounces it alone.
//   - DNS is a fake resolver (go-mockdns underneath) that the inbound
//     server's sender authentication reads: a test publishes SPF, DKIM
//     (PublishDKIM returns a Signer), DMARC, MX, A, PTR and MTA-STS
//     records and asserts the SPF, DKIM and DMARC results of the mail
//     its application sends.
//   - AddRemoteMX simulates the mail host of a remote domain, published
//     in the fake DNS, that answers scripted replies per stage
//     (greylisting 4xx then success, 5xx, a refused greeting) or fails
//     the TLS handshake (BreakTLS); PublishMTASTS serves an MTA-STS
//     policy that HTTPClient fetches and the queue applies. An
//     application's own SMTP client reaches them with the fake DNS and
//     RemotePort.
//   - Clock is a controllable time source for code with a Now option,
//     such as an application's own queue.
//   - NewServerTLS adds STARTTLS and implicit TLS listeners with a
//     throwaway certificate that ClientTLSConfig trusts.
//
// Standards, through the packages underneath: SMTP (RFC 5321) and
// submission (RFC 6409) from package smtp, IMAP4rev2 (RFC 9051) from
// package imap, retries (RFC 5321, section 4.5.4) and delivery status
// notifications (RFC 3461, RFC 3464) from package queue, SPF (RFC
// 7208), DKIM (RFC 6376, RFC 8463 for Ed25519), DMARC (RFC 7489) and
// Authentication-Results (RFC 8601) from package mailauth; this package
// serves MTA-STS policies (RFC 8461, section 3) that package
// smtp/client applies.
//
// Not yet:
//   - The queue does not sign mail with DKIM, and only its Backoff,
//     Expiry and WarnAfter are set by QueueOptions.
//   - Messages stored another way than SMTP delivery or the queue (Put,
//     IMAP APPEND) are not returned by Messages and WaitMessage;
//     Store gives access to them.
//   - Scripted replies are one line each, and a RemoteMX cannot drop the
//     connection mid-transaction or answer slowly.
//   - All remote hosts share RemotePort, each on its own loopback address
//     (127.0.0.2 up, 200 at most): clients that cannot set the SMTP port
//     of MX hosts cannot reach them.
//   - No DANE (TLSA records need DNSSEC, which the fake DNS does not sign).
package mailtest
