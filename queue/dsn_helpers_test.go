package queue

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// parsedDSN is a notification read back with go-message.
type parsedDSN struct {
	header     message.Header
	perMessage textproto.Header
	recipients []textproto.Header
	statusType string // content type of the second part
	original   string // content type of the third part
	originalB  []byte
}

// parseDSN checks the multipart/report structure (RFC 6522) and reads
// the delivery-status fields (RFC 3464).
func parseDSN(t *testing.T, data []byte) *parsedDSN {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\n")) ||
		bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\r")) {
		t.Fatalf("notification has a bare CR or LF:\n%s", data)
	}
	e, err := message.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("message.Read = %v\n%s", err, data)
	}
	mt, params, _ := e.Header.ContentType()
	if mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("Content-Type = %s %v, want multipart/report delivery-status", mt, params)
	}
	mr := e.MultipartReader()
	d := &parsedDSN{header: e.Header}
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			if i != 3 {
				t.Fatalf("notification has %d parts, want 3", i)
			}
			return d
		}
		if err != nil {
			t.Fatalf("NextPart = %v", err)
		}
		ct, _, _ := p.Header.ContentType()
		body, _ := io.ReadAll(p.Body)
		switch i {
		case 1:
			if ct != "message/delivery-status" && ct != "message/global-delivery-status" {
				t.Fatalf("part 2 is %s", ct)
			}
			d.statusType = ct
			d.readStatus(t, body)
		case 2:
			d.original, d.originalB = ct, body
		}
	}
}

func (d *parsedDSN) readStatus(t *testing.T, body []byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(body))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatalf("per-message fields: %v", err)
	}
	d.perMessage = h
	for {
		if _, err := br.Peek(1); err != nil {
			return
		}
		h, err := textproto.ReadHeader(br)
		if err != nil {
			t.Fatalf("per-recipient fields: %v", err)
		}
		if h.Len() > 0 {
			d.recipients = append(d.recipients, h)
		}
	}
}

// field returns a per-recipient field with folding undone.
func field(h textproto.Header, k string) string {
	return strings.Join(strings.Fields(h.Get(k)), " ")
}
