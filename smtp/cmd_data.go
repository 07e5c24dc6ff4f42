package smtp

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/internal/wire"
)

// cmdData runs DATA (RFC 5321, section 4.1.1.4). The data ends only at
// CRLF "." CRLF; see wire.DataReader.
func (c *conn) cmdData(arg string) *Error {
	switch {
	case arg != "":
		return errSyntax
	case c.env == nil:
		return &Error{503, EnhancedCode{5, 5, 1}, "Send MAIL first"}
	case c.bdat != nil:
		return &Error{503, EnhancedCode{5, 5, 1}, "DATA not allowed after BDAT"}
	case len(c.env.Recipients) == 0:
		// RFC 2920, section 3.1 and RFC 5321, section 3.3.
		return &Error{554, EnhancedCode{5, 5, 1}, "No valid recipients"}
	case c.env.Body == BodyBinaryMIME:
		// RFC 3030, section 3: BINARYMIME needs BDAT.
		return &Error{503, EnhancedCode{5, 5, 1}, "BODY=BINARYMIME requires BDAT"}
	}
	if e := c.startData(); e != nil {
		return e
	}
	c.reply(354, EnhancedCode{}, "Start mail input; end with <CRLF>.<CRLF>")
	if err := c.flush(); err != nil {
		return errConnGone
	}
	o := c.opts()
	sp := newSpool(c.tempDir(), o.SpoolMemory, o.MaxMessageSize)
	defer sp.Close()
	hs := &headerScan{}
	dr := wire.NewDataReader(c.br, o.MaxTextLineLength,
		o.BareLineEndings == NormaliseBareLineEndings)
	_, err := c.receive(io.MultiWriter(sp, hs), dr)
	switch {
	case errors.Is(err, wire.ErrBareLineEnding):
		c.log.Warn("smtp bare line ending in data")
		return c.endTransaction(&Error{550, EnhancedCode{5, 6, 0},
			"Bare CR or LF not allowed in message"})
	case errors.Is(err, wire.ErrLineTooLong):
		return c.endTransaction(&Error{554, EnhancedCode{5, 6, 0}, "Message line too long"})
	case err != nil:
		return c.dataReadFailed(err)
	case sp.overflow():
		return c.endTransaction(errTooBig)
	}
	return c.finish(sp, hs)
}

// startData runs the checks due before the message text: the server must
// be able to deliver, and the Data hook must agree.
func (c *conn) startData() *Error {
	if c.opts().Delivery == nil {
		return &Error{451, EnhancedCode{4, 3, 5}, "Delivery not configured, try later"}
	}
	if h := c.opts().Hooks.Data; h != nil {
		if err := h(c.ctx, &c.sess, c.env); err != nil {
			return c.hookError("data", err)
		}
	}
	return nil
}

// receive copies the message from r to w, giving the client DataTimeout
// for each block. A fault of r is returned after the data was read whole.
func (c *conn) receive(w io.Writer, r io.Reader) (int64, error) {
	bufp := c.srv.buffers.Get().(*[]byte)
	defer c.srv.buffers.Put(bufp)
	buf := *bufp
	var total int64
	for {
		c.raw.SetReadDeadline(time.Now().Add(c.opts().DataTimeout))
		n, err := r.Read(buf)
		if n > 0 {
			total += int64(n)
			if _, werr := w.Write(buf[:n]); werr != nil {
				return total, werr
			}
		}
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// dataReadFailed ends a transaction whose data could not be read: the
// connection is gone or timed out, and nothing is stored.
func (c *conn) dataReadFailed(err error) *Error {
	c.resetTransaction()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.log.Info("smtp timeout in data")
		c.replyErr(errTimeout)
		return errConnGone
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) {
		c.log.Info("smtp client left during data")
		return errConnGone
	}
	c.log.Error("smtp data failed", "err", err)
	return &Error{451, EnhancedCode{4, 3, 0}, "Local error in processing"}
}

// endTransaction resets the transaction and answers e, once per
// recipient in LMTP (RFC 2033, section 4.2).
func (c *conn) endTransaction(e *Error) *Error {
	n := 1
	if c.opts().Mode == ModeLMTP && c.env != nil {
		n = len(c.env.Recipients)
	}
	c.resetTransaction()
	for i := 1; i < n; i++ {
		c.replyErr(e)
	}
	return e
}

// cmdBdat runs BDAT (RFC 3030, section 2). The chunk is always read, so
// the session stays in step even when it is refused.
func (c *conn) cmdBdat(arg string) *Error {
	size, last, ok := parseBdat(arg)
	if !ok {
		// The chunk's length is unknown: the session cannot go on.
		c.replyErr(&Error{501, EnhancedCode{5, 5, 4}, "Syntax: BDAT size [LAST]"})
		return errConnGone
	}
	if e := c.bdatAllowed(); e != nil {
		if err := c.discard(size); err != nil {
			return c.dataReadFailed(err)
		}
		c.resetTransaction()
		return e
	}
	n, err := c.receive(io.MultiWriter(c.bdat, &c.bdatHeader), io.LimitReader(c.br, size))
	if err == nil && n < size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return c.dataReadFailed(err)
	}
	if c.bdat.overflow() {
		if !last {
			c.resetTransaction() // one reply: this is not the end of data
			return errTooBig
		}
		return c.endTransaction(errTooBig)
	}
	if !last {
		c.reply(250, EnhancedCode{2, 0, 0}, strconv.FormatInt(size, 10)+" octets received")
		return nil
	}
	sp := c.bdat
	c.bdat = nil
	defer sp.Close()
	return c.finish(sp, &c.bdatHeader)
}

// bdatAllowed checks the transaction before a chunk and starts the spool
// on the first chunk.
func (c *conn) bdatAllowed() *Error {
	switch {
	case c.env == nil:
		return &Error{503, EnhancedCode{5, 5, 1}, "Send MAIL first"}
	case len(c.env.Recipients) == 0:
		return &Error{554, EnhancedCode{5, 5, 1}, "No valid recipients"}
	case c.bdat != nil:
		return nil
	}
	if e := c.startData(); e != nil {
		return e
	}
	o := c.opts()
	c.bdat = newSpool(c.tempDir(), o.SpoolMemory, o.MaxMessageSize)
	c.bdatHeader = headerScan{}
	return nil
}

// discard reads and drops n bytes of a refused chunk.
func (c *conn) discard(size int64) error {
	n, err := c.receive(io.Discard, io.LimitReader(c.br, size))
	if err == nil && n < size {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// parseBdat parses "size [LAST]".
func parseBdat(arg string) (int64, bool, bool) {
	f := strings.Fields(arg)
	if len(f) == 0 || len(f) > 2 || len(f[0]) > 18 {
		return 0, false, false
	}
	for _, ch := range f[0] {
		if ch < '0' || ch > '9' {
			return 0, false, false
		}
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, false, false
	}
	if len(f) == 2 && !strings.EqualFold(f[1], "LAST") {
		return 0, false, false
	}
	return n, len(f) == 2, true
}
