package client

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// errDowngrade is returned when content cannot be made 7-bit: its
// header fields hold 8-bit bytes, or the MIME structure is too deep.
var errDowngrade = errors.New("client: cannot convert message to 7-bit")

// maxDowngradeDepth bounds MIME nesting during conversion.
const maxDowngradeDepth = 20

// downgrade returns r converted to 7-bit MIME for a server without
// 8BITMIME (RFC 6152, section 3): each leaf part not already in base64
// or quoted-printable is re-encoded, text/* as quoted-printable and the
// rest as base64; nested messages are converted in turn. It streams.
func downgrade(r io.Reader) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriter(pw)
		err := downgradeEntity(bw, bufio.NewReader(r), 0)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// downgradeEntity converts one entity: a header section, then a body.
func downgradeEntity(w *bufio.Writer, br *bufio.Reader, depth int) error {
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	return downgradeBody(w, h, br, depth)
}

func downgradeBody(w *bufio.Writer, h textproto.Header, body io.Reader, depth int) error {
	if depth > maxDowngradeDepth {
		return errDowngrade
	}
	for f := h.Fields(); f.Next(); {
		if !isASCII(f.Value()) {
			return fmt.Errorf("%w: 8-bit header field %s", errDowngrade, f.Key())
		}
	}
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	switch {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		return downgradeMultipart(w, h, body, params["boundary"], depth)
	case mt == "message/rfc822" || mt == "message/global":
		h.Del("Content-Transfer-Encoding")
		if err := textproto.WriteHeader(w, h); err != nil {
			return err
		}
		return downgradeEntity(w, bufio.NewReader(body), depth+1)
	case cte == "base64" || cte == "quoted-printable":
		if err := textproto.WriteHeader(w, h); err != nil {
			return err
		}
		_, err := io.Copy(w, asciiReader{body})
		return err
	}
	return reencode(w, h, body, mt == "" || strings.HasPrefix(mt, "text/"))
}

// downgradeMultipart converts each part, keeping the boundary.
func downgradeMultipart(w *bufio.Writer, h textproto.Header, body io.Reader,
	boundary string, depth int) error {
	h.Del("Content-Transfer-Encoding")
	if err := textproto.WriteHeader(w, h); err != nil {
		return err
	}
	mr := textproto.NewMultipartReader(body, boundary)
	for first := true; ; first = false {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read part: %w", err)
		}
		if !first {
			w.WriteString("\r\n")
		}
		fmt.Fprintf(w, "--%s\r\n", boundary)
		if err := downgradeBody(w, p.Header, p, depth+1); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "\r\n--%s--\r\n", boundary)
	return err
}

// reencode writes a leaf body as quoted-printable (text) or base64.
func reencode(w *bufio.Writer, h textproto.Header, body io.Reader, text bool) error {
	enc := "base64"
	if text {
		enc = "quoted-printable"
	}
	h.Set("Content-Transfer-Encoding", enc)
	if err := textproto.WriteHeader(w, h); err != nil {
		return err
	}
	if text {
		qw := quotedprintable.NewWriter(w)
		if _, err := io.Copy(qw, body); err != nil {
			return err
		}
		if err := qw.Close(); err != nil {
			return err
		}
		_, err := w.WriteString("\r\n")
		return err
	}
	bw := base64.NewEncoder(base64.StdEncoding, &lineWrapper{w: w})
	if _, err := io.Copy(bw, body); err != nil {
		return err
	}
	if err := bw.Close(); err != nil {
		return err
	}
	_, err := w.WriteString("\r\n")
	return err
}

// lineWrapper breaks base64 output into 76-column lines (RFC 2045,
// section 6.8).
type lineWrapper struct {
	w *bufio.Writer
	n int
}

func (l *lineWrapper) Write(p []byte) (int, error) {
	for _, c := range p {
		if l.n == 76 {
			l.w.WriteString("\r\n")
			l.n = 0
		}
		l.w.WriteByte(c)
		l.n++
	}
	return len(p), nil
}

// asciiReader fails on a byte with the high bit set: content labelled
// base64 or quoted-printable that is not 7-bit is refused.
type asciiReader struct{ r io.Reader }

func (a asciiReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	for _, c := range p[:n] {
		if c >= 0x80 {
			return 0, fmt.Errorf("%w: 8-bit bytes in encoded content", errDowngrade)
		}
	}
	return n, err
}
