package mailstore

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestThreads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		deliver := func(subject string, hdrs ...string) *Email {
			t.Helper()
			ds, err := f.Deliver(f.ctx, strings.NewReader(msg(subject, hdrs...)), time.Time{},
				[]Recipient{{Account: f.acct}})
			if err != nil || ds[0].Err != nil {
				t.Fatalf("Deliver: %v %v", err, ds)
			}
			f.clock.Add(time.Minute)
			em, err := f.Email(f.ctx, f.acct, ds[0].EmailID)
			if err != nil {
				t.Fatal(err)
			}
			return em
		}
		root := deliver("Plans", "Message-ID: <root@x>")
		reply := deliver("Re: Plans", "Message-ID: <r1@x>", "In-Reply-To: <root@x>")
		deep := deliver("RE: [list] Plans", "Message-ID: <r2@x>",
			"References: <root@x> <r1@x>")
		other := deliver("Something else", "Message-ID: <o@x>", "In-Reply-To: <root@x>")
		// A reply arriving before its parent: the parent joins it.
		early := deliver("Re: Late", "Message-ID: <e1@x>", "In-Reply-To: <late@x>")
		late := deliver("Late", "Message-ID: <late@x>")
		plain := deliver("Plans") // same subject, no references

		if reply.ThreadID != root.ThreadID {
			t.Errorf("reply thread %s, want %s", reply.ThreadID, root.ThreadID)
		}
		if deep.ThreadID != root.ThreadID {
			t.Errorf("deep reply thread %s, want %s", deep.ThreadID, root.ThreadID)
		}
		if other.ThreadID == root.ThreadID {
			t.Error("reference with another subject joined the thread")
		}
		if late.ThreadID != early.ThreadID {
			t.Errorf("parent after reply: thread %s, want %s", late.ThreadID, early.ThreadID)
		}
		if plain.ThreadID == root.ThreadID {
			t.Error("same subject without references joined the thread")
		}
		ids, err := f.Thread(f.ctx, f.acct, root.ThreadID)
		want := []EmailID{root.ID, reply.ID, deep.ID}
		if err != nil || !slices.Equal(ids, want) {
			t.Errorf("Thread = %v, %v; want %v", ids, err, want)
		}
		if err := f.DestroyEmail(f.ctx, f.acct, reply.ID); err != nil {
			t.Fatal(err)
		}
		ids, _ = f.Thread(f.ctx, f.acct, root.ThreadID)
		if !slices.Equal(ids, []EmailID{root.ID, deep.ID}) {
			t.Errorf("Thread after destroy = %v", ids)
		}
		f.DestroyEmail(f.ctx, f.acct, plain.ID)
		if _, err := f.Thread(f.ctx, f.acct, plain.ThreadID); err == nil {
			t.Error("thread of destroyed email still exists")
		}
	})
}
