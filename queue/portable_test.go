package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// exported is a message as Export handed it, with its content.
type exported struct {
	m    *Message
	body []byte
}

func exportAll(t *testing.T, e *env) []exported {
	t.Helper()
	ctx := context.Background()
	var out []exported
	err := Export(ctx, e.kv, func(m *Message) error {
		rc, err := OpenContent(ctx, e.blobs, m)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		out = append(out, exported{m, b})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExportImportDelivers moves a message with one recipient delivered
// and one greylisted to another store, where a running queue delivers
// the one left at its retry time.
func TestExportImportDelivers(t *testing.T) {
	ctx := context.Background()
	grey := &clienttest.Server{OnRcpt: func(to string) string {
		if strings.HasPrefix(to, "gus@") {
			return "451 4.7.1 Greylisted"
		}
		return ""
	}}
	src := newEnv(t, Options{Transport: remote(t, grey)})
	id := submit(t, src.q, Envelope{From: "fay@example.com", EnvID: "env-1", Ret: "hdrs",
		Recipients: []RecipientSpec{{Address: "gus@example.net", Notify: []string{"failure"},
			ORcpt: "rfc822;gus@example.net"}, {Address: "hal@example.net"}}}, "moving")
	waitFor(t, "first attempt", func() bool {
		m, err := src.q.Inspect(ctx, id)
		return err == nil && m.Recipients[0].Attempts == 1 && m.LeaseOwner == ""
	})
	shut, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := src.q.Shutdown(shut); err != nil {
		t.Fatal(err)
	}
	msgs := exportAll(t, src)
	if len(msgs) != 1 || msgs[0].m.ID != id || subjectOf(msgs[0].body) != "moving" {
		t.Fatalf("exported %+v", msgs)
	}
	want := msgs[0].m
	if want.Recipients[0].State != Queued || want.Recipients[1].State != Delivered ||
		want.Recipients[0].Code != 451 {
		t.Fatalf("recipient states %+v %+v", want.Recipients[0], want.Recipients[1])
	}

	sink := &clienttest.Server{}
	kv, blobs := memory.New(), memory.NewBlobs()
	for range 2 { // the second import finds the message queued already
		if err := Import(ctx, kv, blobs, want, strings.NewReader(string(msgs[0].body))); err != nil {
			t.Fatal(err)
		}
	}
	dst := newEnv(t, Options{KV: kv, Blobs: blobs, Transport: remote(t, sink)})
	dst.clock.Advance(time.Hour)
	got, err := dst.q.Inspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.EnvID != "env-1" || got.Ret != "HDRS" || !got.Created.Equal(want.Created) ||
		!slices.Equal(got.Recipients[0].Notify, []string{"FAILURE"}) ||
		got.Recipients[0].ORcpt != "rfc822;gus@example.net" || got.Recipients[0].Attempts != 1 {
		t.Fatalf("imported record %+v %+v", got, got.Recipients[0])
	}
	dst.q.Wake()
	waitFor(t, "delivery after import", func() bool { return len(sink.Messages()) == 1 })
	waitFor(t, "empty queue", func() bool { return queueEmpty(dst.q) })
	r := sink.Messages()[0]
	if !slices.Equal(r.To, []string{"gus@example.net"}) || string(r.Data) != string(msgs[0].body) {
		t.Fatalf("delivered to %v: %q", r.To, r.Data)
	}
	if len(grey.Messages()) != 1 {
		t.Errorf("source sink got %d messages", len(grey.Messages()))
	}
}

func TestImportRefusesBadRecords(t *testing.T) {
	ctx := context.Background()
	body := "Subject: x\r\n\r\nx\r\n"
	h, size, err := memory.NewBlobs().Put(ctx, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	good := func() *Message {
		return &Message{ID: "0001", From: "a@example.com", Blob: h.String(), Size: size,
			Recipients: []*Recipient{{Address: "b@example.net", State: Queued}}}
	}
	cases := map[string]func(m *Message){
		"no id":         func(m *Message) { m.ID = "" },
		"no recipients": func(m *Message) { m.Recipients = nil },
		"bad address":   func(m *Message) { m.Recipients[0].Address = "nobody" },
		"bad state":     func(m *Message) { m.Recipients[0].State = "lost" },
		"all delivered": func(m *Message) { m.Recipients[0].State = Delivered },
		"bad hash":      func(m *Message) { m.Blob = "xyz" },
		"other content": func(m *Message) { m.Size++ },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			m := good()
			spoil(m)
			kv := memory.New()
			err := Import(ctx, kv, memory.NewBlobs(), m, strings.NewReader(body))
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("Import = %v, want ErrBadMessage", err)
			}
			n := 0
			if err := Export(ctx, kv, func(*Message) error { n++; return nil }); err != nil || n != 0 {
				t.Fatalf("queued %d after refusal (%v)", n, err)
			}
		})
	}
	if err := Import(ctx, memory.New(), memory.NewBlobs(), good(),
		strings.NewReader(body)); err != nil {
		t.Fatalf("good record: %v", err)
	}
}

// TestExportBatches reads more messages than one batch holds.
func TestExportBatches(t *testing.T) {
	ctx := context.Background()
	kv, blobs := memory.New(), memory.NewBlobs()
	body := "Subject: many\r\n\r\nmany\r\n"
	h, size, err := blobs.Put(ctx, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	const n = exportBatch + 17
	for i := range n {
		m := &Message{ID: fmt.Sprintf("%06d", i), From: "a@example.com", Blob: h.String(), Size: size,
			Recipients: []*Recipient{{Address: "b@example.net", State: Queued}}}
		if err := Import(ctx, kv, blobs, m, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	if err := Export(ctx, kv, func(m *Message) error {
		ids = append(ids, m.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != n || !slices.IsSorted(ids) {
		t.Fatalf("exported %d ids, sorted %v", len(ids), slices.IsSorted(ids))
	}
}
