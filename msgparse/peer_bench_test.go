package msgparse

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/emersion/go-message"
)

// walkGoMessage is the peer: go-message reads the entity tree and every
// body once, without offsets, text or envelope.
func walkGoMessage(e *message.Entity) {
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if err != nil {
				return
			}
			walkGoMessage(p)
		}
	}
	_, _ = io.Copy(io.Discard, e.Body)
}

func BenchmarkPeerGoMessage10K(b *testing.B) {
	raw := message10K()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		e, err := message.Read(bytes.NewReader(raw))
		if err != nil && e == nil {
			b.Fatal(err)
		}
		walkGoMessage(e)
	}
}

func BenchmarkPeerGoMessageCorpus(b *testing.B) {
	msgs, total := loadCorpus(b)
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range msgs {
			if e, _ := message.Read(bytes.NewReader(raw)); e != nil {
				walkGoMessage(e)
			}
		}
	}
}

// BenchmarkPeerJSONDecode decodes the same message from JSON, the peer of
// the stored form.
func BenchmarkPeerJSONDecode(b *testing.B) {
	m, _ := Parse(bytes.NewReader(message10K()))
	c := stripText(m)
	c.TextBody, c.HTMLBody, c.Attachments = nil, nil, nil
	enc, err := json.Marshal(c)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(enc)), "bytes")
	b.ReportAllocs()
	for b.Loop() {
		var out Message
		if err := json.Unmarshal(enc, &out); err != nil {
			b.Fatal(err)
		}
	}
}
