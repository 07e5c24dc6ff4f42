package queue

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// maxDSNHeader bounds the original header section copied into a
// notification.
const maxDSNHeader = 1 << 20

// buildDSN writes a delivery status notification (RFC 3464) about the
// noted recipients of m to the BlobStore and returns its queue record,
// addressed to m's reverse-path with a null reverse-path (RFC 5321,
// section 4.5.5).
func (q *Queue) buildDSN(ctx context.Context, m *Message, notes []note) (*Message, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(q.writeDSN(ctx, pw, m, notes)) }()
	scan := &eightBitReader{r: pr}
	h, size, err := q.opts.Blobs.Put(ctx, scan)
	pr.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		return nil, fmt.Errorf("build notification: %w", err)
	}
	d := q.newMessage(Envelope{Recipients: []RecipientSpec{{Address: m.From}},
		SMTPUTF8: m.SMTPUTF8}, h, size, scan.seen)
	// RFC 8689, section 5: a notification about a REQUIRETLS message
	// travels under REQUIRETLS too.
	d.Priority, d.RequireTLS = m.Priority, m.RequireTLS
	return d, nil
}

// writeDSN writes the multipart/report message (RFC 6522) with its
// human-readable part, its message/delivery-status part and the
// original message or its header (RET, RFC 3461 section 4.3).
func (q *Queue) writeDSN(ctx context.Context, w io.Writer, m *Message, notes []note) error {
	bw := bufio.NewWriter(w)
	boundary := "=_" + newID()
	now := q.opts.Now()
	fmt.Fprintf(bw, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n", q.opts.Hostname)
	fmt.Fprintf(bw, "To: <%s>\r\n", m.From)
	fmt.Fprintf(bw, "Subject: %s\r\n", dsnSubject(notes))
	fmt.Fprintf(bw, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(bw, "Message-ID: <%s@%s>\r\n", newID(), q.opts.Hostname)
	bw.WriteString("Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n")
	fmt.Fprintf(bw, "Content-Type: multipart/report; report-type=delivery-status;\r\n"+
		"\tboundary=\"%s\"\r\n\r\n", boundary)

	fmt.Fprintf(bw, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Transfer-Encoding: 8bit\r\n\r\n", boundary)
	q.writeHuman(bw, m, notes)

	global := !ascii(m.From) || !notesASCII(m, notes)
	status := "message/delivery-status"
	if global {
		status = "message/global-delivery-status" // RFC 6533, section 6.1
	}
	fmt.Fprintf(bw, "--%s\r\nContent-Type: %s\r\n\r\n", boundary, status)
	q.writeStatus(bw, m, notes, global)

	full := m.Ret == "FULL" && notes[0].action == actionFailed
	if full {
		fmt.Fprintf(bw, "--%s\r\nContent-Type: message/rfc822\r\n\r\n", boundary)
	} else {
		fmt.Fprintf(bw, "--%s\r\nContent-Type: text/rfc822-headers\r\n\r\n", boundary)
	}
	if err := q.copyOriginal(ctx, bw, m, full); err != nil {
		return err
	}
	fmt.Fprintf(bw, "\r\n--%s--\r\n", boundary)
	return bw.Flush()
}

func dsnSubject(notes []note) string {
	switch notes[0].action {
	case actionFailed:
		return "Undelivered Mail Returned to Sender"
	case actionDelayed:
		return "Delayed Mail (still being retried)"
	}
	return "Successful Mail Delivery Report"
}

// writeHuman writes the explanation for people.
func (q *Queue) writeHuman(w *bufio.Writer, m *Message, notes []note) {
	fmt.Fprintf(w, "This is the mail system at %s.\r\n\r\n", q.opts.Hostname)
	for _, n := range notes {
		r := m.Recipients[n.idx]
		switch n.action {
		case actionFailed:
			fmt.Fprintf(w, "Your message could not be delivered to <%s>.\r\n", r.Address)
		case actionDelayed:
			fmt.Fprintf(w, "Your message to <%s> is delayed; it will be retried until %s.\r\n",
				r.Address, m.Created.Add(q.opts.Expiry).Format(time.RFC1123Z))
		default:
			fmt.Fprintf(w, "Your message was delivered to <%s>.\r\n", r.Address)
		}
		if r.Diagnostic != "" {
			said := "The remote said: "
			if r.RemoteMTA == "" {
				said = "The reply was: "
			}
			fmt.Fprintf(w, "  %s\r\n", fold(said+diag(r), "  "))
		}
	}
	w.WriteString("\r\n")
}

// writeStatus writes the message/delivery-status fields (RFC 3464,
// sections 2.2 and 2.3).
func (q *Queue) writeStatus(w *bufio.Writer, m *Message, notes []note, global bool) {
	addrType := "rfc822"
	if global {
		addrType = "utf-8" // RFC 6533, section 3
	}
	fmt.Fprintf(w, "Reporting-MTA: dns; %s\r\n", q.opts.Hostname)
	if m.EnvID != "" {
		fmt.Fprintf(w, "Original-Envelope-Id: %s\r\n", clean(m.EnvID))
	}
	fmt.Fprintf(w, "Arrival-Date: %s\r\n", m.Created.Format(time.RFC1123Z))
	for _, n := range notes {
		r := m.Recipients[n.idx]
		w.WriteString("\r\n")
		if typ, addr, ok := strings.Cut(r.ORcpt, ";"); ok {
			fmt.Fprintf(w, "Original-Recipient: %s; %s\r\n", clean(typ), clean(addr))
		}
		fmt.Fprintf(w, "Final-Recipient: %s; %s\r\n", addrType, clean(r.Address))
		fmt.Fprintf(w, "Action: %s\r\n", n.action)
		fmt.Fprintf(w, "Status: %s\r\n", r.Status)
		if r.RemoteMTA != "" {
			fmt.Fprintf(w, "Remote-MTA: dns; %s\r\n", clean(r.RemoteMTA))
		}
		if r.Diagnostic != "" || n.action == actionFailed {
			fmt.Fprintf(w, "%s\r\n", fold("Diagnostic-Code: smtp; "+diag(r), " "))
		}
		fmt.Fprintf(w, "Last-Attempt-Date: %s\r\n", r.LastAttempt.Format(time.RFC1123Z))
		if n.action == actionDelayed {
			fmt.Fprintf(w, "Will-Retry-Until: %s\r\n",
				m.Created.Add(q.opts.Expiry).Format(time.RFC1123Z))
		}
	}
	w.WriteString("\r\n")
}

// notesASCII reports whether every noted address is ASCII.
func notesASCII(m *Message, notes []note) bool {
	for _, n := range notes {
		if !ascii(m.Recipients[n.idx].Address) {
			return false
		}
	}
	return true
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// diag is the reply as one line: code, enhanced code and text.
func diag(r *Recipient) string {
	return clean(fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Diagnostic))
}

// clean drops CR, LF and other controls, which a header field value
// must not hold (RFC 5322, section 2.2).
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// fold breaks a field at spaces so that lines stay under 78 columns,
// each continuation starting with indent (RFC 5322, section 2.2.3).
func fold(s, indent string) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(word) > 76 {
				b.WriteString("\r\n" + indent)
				line = len(indent)
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}

// copyOriginal writes the original message, or only its header
// section.
func (q *Queue) copyOriginal(ctx context.Context, w *bufio.Writer, m *Message, full bool) error {
	rc, err := q.open(ctx, m)
	if err != nil {
		return err
	}
	defer rc.Close()
	if full {
		_, err = io.Copy(w, rc)
		return err
	}
	br := bufio.NewReader(io.LimitReader(rc, maxDSNHeader))
	for {
		line, err := br.ReadString('\n')
		if strings.TrimRight(line, "\r\n") == "" {
			return nil
		}
		w.WriteString(line)
		if err != nil {
			if !strings.HasSuffix(line, "\n") {
				w.WriteString("\r\n")
			}
			return nil
		}
	}
}
