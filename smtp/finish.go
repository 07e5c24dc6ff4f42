package smtp

import (
	"strings"
	"time"
)

// finish handles a complete message: loop check, Received field, the
// Message hook, delivery, and the replies (one per recipient in LMTP).
func (c *conn) finish(sp *spool, hs *headerScan) *Error {
	o := c.opts()
	env := c.env
	if hs.received > o.MaxReceived {
		c.log.Warn("smtp mail loop", "received", hs.received)
		return c.endTransaction(&Error{554, EnhancedCode{5, 4, 6},
			"Too many hops, mail loop detected"})
	}
	sess := c.sess
	m := &Message{ID: newID(), Session: &sess, Envelope: env, Received: o.Now(),
		body: sp.readerAt(), size: sp.stored(), relay: o.Relay}
	m.AddHeader("Received", c.receivedField(m))
	if h := o.Hooks.Message; h != nil {
		if err := h(c.ctx, m); err != nil {
			return c.endTransaction(c.hookError("message", err))
		}
	}
	start := time.Now()
	results, err := o.Delivery.Deliver(c.ctx, m)
	log := c.log.With("msg", m.ID, "from", env.ReversePath,
		"rcpts", len(env.Recipients), "size", m.Size(), "took", time.Since(start))
	if err != nil {
		e := asError(err)
		if e == errLocal {
			log.Error("smtp delivery failed", "err", err)
		} else {
			log.Info("smtp delivery refused", "code", e.Code)
		}
		return c.endTransaction(e)
	}
	log.Info("smtp message accepted")
	c.resetTransaction()
	if o.Mode == ModeLMTP {
		return c.lmtpReplies(m, results)
	}
	return c.smtpReply(m, results)
}

// lmtpReplies sends one reply per recipient (RFC 2033, section 4.2).
func (c *conn) lmtpReplies(m *Message, results []error) *Error {
	var last *Error
	for i, r := range m.Envelope.Recipients {
		var err error
		if i < len(results) {
			err = results[i]
		}
		if err == nil {
			c.reply(250, EnhancedCode{2, 0, 0}, "<"+r.Address+"> delivered")
			continue
		}
		e := c.deliveryError(r, err)
		c.replyErr(e)
		last = e
	}
	if last != nil {
		c.errors++
	}
	return nil
}

// smtpReply sends the one reply of SMTP. A message that failed for
// every recipient is refused with the first temporary failure, else the
// first permanent one. When it failed for some only, the failed
// recipients go to the Relay if it is a FailureRelay and the message is
// accepted; otherwise a temporary failure defers the whole message, so
// that nobody loses it (the others may get it twice), and permanent ones
// are logged.
func (c *conn) smtpReply(m *Message, results []error) *Error {
	var temp, perm *Error
	var failed []Failure
	for i, err := range results {
		if err == nil || i >= len(m.Envelope.Recipients) {
			continue
		}
		r := m.Envelope.Recipients[i]
		e := c.deliveryError(r, err)
		if e.Temporary() && temp == nil {
			temp = e
		} else if !e.Temporary() && perm == nil {
			perm = e
		}
		failed = append(failed, Failure{Recipient: r, Code: e.Code,
			Status: e.EnhancedCode.String(), Text: e.Message})
	}
	switch {
	case len(failed) == 0:
	case len(failed) == len(m.Envelope.Recipients):
		if temp != nil {
			return temp
		}
		return perm
	case c.handOver(m, failed):
	case temp != nil:
		return temp
	default:
		c.log.Warn("smtp message not delivered to some recipients", "msg", m.ID,
			"failed", len(failed))
	}
	c.reply(250, EnhancedCode{2, 0, 0}, "OK queued as "+m.ID)
	return nil
}

// handOver gives the failed recipients of a partly delivered message to
// the FailureRelay and reports whether it took them.
func (c *conn) handOver(m *Message, failed []Failure) bool {
	fr, ok := c.opts().Relay.(FailureRelay)
	if !ok {
		return false
	}
	if err := fr.EnqueueFailures(c.ctx, m.Envelope, failed, m.Reader()); err != nil {
		c.log.Error("smtp failed recipients not queued", "msg", m.ID, "err", err)
		return false
	}
	c.log.Info("smtp failed recipients queued", "msg", m.ID, "failed", len(failed))
	return true
}

func (c *conn) deliveryError(r *Recipient, err error) *Error {
	e := asError(err)
	if e == errLocal {
		c.log.Error("smtp delivery to recipient failed", "rcpt", r.Address, "err", err)
	}
	return e
}

// receivedField builds the Received field (RFC 5321, section 4.4) with
// the protocol names of RFC 3848 and RFC 6531.
func (c *conn) receivedField(m *Message) string {
	var b strings.Builder
	b.WriteString("from " + traceWord(c.sess.Hello) + " (")
	if c.sess.ReverseName != "" {
		b.WriteString(traceWord(c.sess.ReverseName) + " ")
	}
	b.WriteString("[" + c.sess.Remote.Addr().String() + "])\r\n\tby ")
	b.WriteString(traceWord(c.opts().Hostname) + " (Bulwark) with " + c.protocolName(m))
	if t := c.sess.TLS; t != nil {
		b.WriteString("\r\n\t(" + tlsVersionName(t.Version) + " " +
			tlsCipherName(t.CipherSuite) + ")")
	}
	b.WriteString("\r\n\tid " + m.ID)
	if rs := m.Envelope.Recipients; len(rs) == 1 {
		b.WriteString("\r\n\tfor <" + rs[0].Address + ">")
	}
	b.WriteString(";\r\n\t" + m.Received.Format(time.RFC1123Z))
	return b.String()
}

// protocolName returns the "with" keyword: SMTP, ESMTP, LMTP or
// UTF8SMTP, plus S for TLS and A for authentication.
func (c *conn) protocolName(m *Message) string {
	p := "ESMTP"
	switch {
	case c.opts().Mode == ModeLMTP:
		p = "LMTP"
	case m.Envelope.SMTPUTF8:
		p = "UTF8SMTP"
	case !c.sess.ESMTP:
		return "SMTP"
	}
	if c.sess.TLS != nil {
		p += "S"
	}
	if c.sess.Principal != nil {
		p += "A"
	}
	return p
}

// traceWord keeps a name given by the client safe inside a header field:
// printable ASCII, no comment or space characters.
func traceWord(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()\\\"", r) {
			return '_'
		}
		return r
	}, s)
}
