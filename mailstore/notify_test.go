package mailstore

import (
	"slices"
	"testing"
	"time"
)

func TestNotifications(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ch, cancel := f.Subscribe(f.acct)
		other, cancelOther := f.Subscribe("bob@example.test")
		defer cancelOther()
		e := f.appendMsg(f.inbox, msg("a"))
		select {
		case ev := <-ch:
			if ev.ModSeq != e.ModSeq || ev.Kinds&KindEmail == 0 ||
				!slices.Equal(ev.Mailboxes, []MailboxID{f.inbox}) {
				t.Errorf("event = %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		// A subscriber that does not read never blocks writers; it then
		// sees one merged event with the latest state.
		var last Entry
		for range 20 {
			last = f.appendMsg(f.inbox, msg("b"))
		}
		arch := f.mailbox("Archive")
		f.appendMsg(arch.ID, msg("c"))
		high, _ := f.HighestModSeq(f.ctx, f.acct)
		ev := <-ch
		if ev.ModSeq != high || !slices.Contains(ev.Mailboxes, arch.ID) ||
			!slices.Contains(ev.Mailboxes, f.inbox) {
			t.Errorf("merged event = %+v, want ModSeq %d (last append %d)", ev, high, last.ModSeq)
		}
		select {
		case ev := <-other:
			t.Errorf("other account got %+v", ev)
		default:
		}
		cancel()
		cancel()
		if _, ok := <-ch; ok {
			t.Error("channel open after cancel")
		}
		f.appendMsg(f.inbox, msg("d")) // no subscriber: must not block
	})
}
