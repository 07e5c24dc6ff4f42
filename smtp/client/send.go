package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// mailParams builds the MAIL FROM parameters the remote supports, or
// the permanent failure that stops the message here.
func (c *conn) mailParams(m *Message) (string, error) {
	var p []string
	if c.has("SIZE") && m.Size > 0 && !c.downgrading(m) {
		p = append(p, "SIZE="+strconv.FormatInt(m.Size, 10))
	}
	if m.EightBit && c.has("8BITMIME") {
		p = append(p, "BODY=8BITMIME")
	}
	if m.needsUTF8() {
		if !c.has("SMTPUTF8") {
			return "", localError(553, "5.6.7", ErrNoSMTPUTF8,
				"%s does not accept internationalised addresses (no SMTPUTF8)", c.host)
		}
		p = append(p, "SMTPUTF8")
	}
	if m.RequireTLS {
		p = append(p, "REQUIRETLS")
	}
	if c.has("DSN") {
		if m.Ret != "" {
			p = append(p, "RET="+m.Ret)
		}
		if m.EnvID != "" {
			p = append(p, "ENVID="+xtext(m.EnvID))
		}
	}
	return strings.Join(append([]string{""}, p...), " "), nil
}

// rcptParams adds the DSN parameters of a recipient (RFC 3461, section
// 4) when the remote supports them.
func (c *conn) rcptParams(r Recipient) string {
	if !c.has("DSN") {
		return ""
	}
	s := ""
	if len(r.Notify) > 0 {
		s += " NOTIFY=" + strings.Join(r.Notify, ",")
	}
	if r.ORcpt != "" {
		typ, addr, ok := strings.Cut(r.ORcpt, ";")
		if ok {
			s += " ORCPT=" + typ + ";" + xtext(addr)
		}
	}
	return s
}

// xtext encodes s (RFC 3461, section 4).
func xtext(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || c == '+' || c == '=' {
			fmt.Fprintf(&b, "+%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// transact sends one message. It returns one result per recipient of m
// (nil for accepted-and-delivered), or an error for the whole
// transaction.
func (c *conn) transact(ctx context.Context, m *Message) ([]error, error) {
	params, err := c.mailParams(m)
	if err != nil {
		return nil, err
	}
	results, accepted, err := c.envelope(ctx, m, params)
	if err != nil || len(accepted) == 0 {
		if err == nil {
			c.cmd(ctx, "RSET")
		}
		return results, err
	}
	final, err := c.body(ctx, m, len(accepted))
	if err != nil {
		return nil, err
	}
	for i, idx := range accepted {
		if final[i].Code/100 != 2 {
			results[idx] = final[i]
		}
	}
	return results, nil
}

// envelope sends MAIL and RCPT, pipelined when the remote offers
// PIPELINING (RFC 2920), and returns per-recipient refusals and the
// indexes of accepted recipients.
func (c *conn) envelope(ctx context.Context, m *Message, params string) (
	[]error, []int, error) {
	pipe := c.has("PIPELINING")
	lines := []string{"MAIL FROM:<" + m.From + ">" + params}
	for _, r := range m.Recipients {
		lines = append(lines, "RCPT TO:<"+r.Address+">"+c.rcptParams(r))
	}
	replies := make([]*Error, 0, len(lines))
	for i, l := range lines {
		if err := c.write(l); err != nil {
			return nil, nil, fmt.Errorf("send command: %w", err)
		}
		if pipe && i < len(lines)-1 {
			continue
		}
		if err := c.flushRead(ctx, i+1-len(replies), &replies); err != nil {
			return nil, nil, err
		}
		if i == 0 && replies[0].Code/100 != 2 {
			return nil, nil, replies[0]
		}
	}
	if replies[0].Code/100 != 2 {
		return nil, nil, replies[0]
	}
	results := make([]error, len(m.Recipients))
	var accepted []int
	for i, r := range replies[1:] {
		if r.Code/100 == 2 {
			accepted = append(accepted, i)
			continue
		}
		results[i] = r
	}
	return results, accepted, nil
}

// flushRead flushes the written commands and reads n replies.
func (c *conn) flushRead(ctx context.Context, n int, replies *[]*Error) error {
	c.deadline(ctx)
	if err := c.bw.Flush(); err != nil {
		return fmt.Errorf("send commands: %w", err)
	}
	for range n {
		r, err := c.read(ctx)
		if err != nil {
			return err
		}
		*replies = append(*replies, r)
	}
	return nil
}

// body sends the content with BDAT when CHUNKING is offered (RFC 3030),
// else DATA, and returns the final replies: one, or one per accepted
// recipient for LMTP (RFC 2033, section 4.2).
func (c *conn) body(ctx context.Context, m *Message, accepted int) ([]*Error, error) {
	rc, err := m.Open()
	if err != nil {
		return nil, localError(451, "4.3.0", err, "open queued message")
	}
	defer rc.Close()
	switch {
	case c.downgrading(m):
		d := downgrade(rc)
		err = c.data(ctx, d)
		d.Close()
		if errors.Is(err, errDowngrade) {
			return nil, localError(554, "5.6.3", ErrNo8BitMIME,
				"%s lacks 8BITMIME and the message cannot be made 7-bit: %v", c.host, err)
		}
	case c.has("CHUNKING") && m.Size > 0:
		err = c.bdat(ctx, rc, m.Size)
	default:
		err = c.data(ctx, rc)
	}
	if err != nil {
		return nil, err
	}
	n := 1
	if c.lmtp {
		n = accepted
	}
	replies := make([]*Error, 0, n)
	for range n {
		r, err := c.read(ctx)
		if err != nil {
			return nil, err
		}
		replies = append(replies, r)
	}
	if !c.lmtp {
		for len(replies) < accepted {
			replies = append(replies, replies[0])
		}
	}
	return replies, nil
}

// downgrading reports whether 8-bit content goes to a server without
// 8BITMIME and must be converted to 7-bit.
func (c *conn) downgrading(m *Message) bool {
	return m.EightBit && !c.has("8BITMIME")
}

// bdat sends the whole body as one last chunk; the reply is read by the
// caller.
func (c *conn) bdat(ctx context.Context, r io.Reader, size int64) error {
	c.deadline(ctx)
	c.write("BDAT " + strconv.FormatInt(size, 10) + " LAST")
	n, err := io.Copy(c.bw, io.LimitReader(r, size))
	if err == nil && n != size {
		err = fmt.Errorf("message shorter than its size: %d < %d", n, size)
	}
	if err != nil {
		c.broken = true
		return fmt.Errorf("send BDAT: %w", err)
	}
	return c.bw.Flush()
}

// data sends DATA and the body, dot-stuffed with CRLF line endings
// (RFC 5321, section 4.5.2); the final reply is read by the caller.
func (c *conn) data(ctx context.Context, r io.Reader) error {
	if err := c.expect(ctx, "DATA", 3); err != nil {
		return err
	}
	c.deadline(ctx)
	if err := writeDotStuffed(c.bw, r); err != nil {
		c.broken = true
		return fmt.Errorf("send DATA: %w", err)
	}
	return c.bw.Flush()
}

// writeDotStuffed copies r line by line, doubling a leading dot and
// ending every line with CRLF, then writes the final ".".
func writeDotStuffed(w *bufio.Writer, r io.Reader) error {
	br := bufio.NewReaderSize(r, 32<<10)
	start := true
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			start = writeChunk(w, chunk, start)
		}
		switch {
		case err == bufio.ErrBufferFull:
		case err == io.EOF:
			if !start {
				w.WriteString("\r\n")
			}
			_, err = w.WriteString(".\r\n")
			return err
		case err != nil:
			return err
		}
	}
}

// writeChunk writes a piece of a line, stuffing a dot at a line's start
// and normalising its ending to CRLF. It reports whether the next chunk
// starts a line.
func writeChunk(w *bufio.Writer, chunk []byte, start bool) bool {
	if start && chunk[0] == '.' {
		w.WriteByte('.')
	}
	if chunk[len(chunk)-1] != '\n' {
		w.Write(chunk)
		return false
	}
	chunk = chunk[:len(chunk)-1]
	if len(chunk) > 0 && chunk[len(chunk)-1] == '\r' {
		chunk = chunk[:len(chunk)-1]
	}
	w.Write(chunk)
	w.WriteString("\r\n")
	return true
}
