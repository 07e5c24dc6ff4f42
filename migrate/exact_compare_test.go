package migrate

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// compareExact checks through the mailstore API that every mailbox of
// every account of b has the UIDVALIDITY, UIDNEXT and UIDs of a, each
// UID holding the same bytes and keywords, MODSEQs in the same order and
// HIGHESTMODSEQ no lower.
func compareExact(t *testing.T, a, b *server) {
	t.Helper()
	ctx := context.Background()
	accts, err := a.mail.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, acct := range accts {
		want, err := a.mail.Mailboxes(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			g, err := b.mail.MailboxByName(ctx, acct, w.Name)
			if err != nil {
				t.Errorf("%s/%s: %v", acct, w.Name, err)
				continue
			}
			if g.UIDValidity != w.UIDValidity || g.UIDNext != w.UIDNext ||
				g.HighestModSeq < w.HighestModSeq {
				t.Errorf("%s/%s: UIDVALIDITY %d UIDNEXT %d HIGHESTMODSEQ %d, want %d %d >= %d",
					acct, w.Name, g.UIDValidity, g.UIDNext, g.HighestModSeq, w.UIDValidity,
					w.UIDNext, w.HighestModSeq)
			}
			we, _, err := a.mail.List(ctx, acct, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			ge, _, err := b.mail.List(ctx, acct, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ge) != len(we) {
				t.Errorf("%s/%s: %d messages, want %d", acct, w.Name, len(ge), len(we))
				continue
			}
			var wm, gm []imapMessage
			for i := range we {
				x, y := we[i], ge[i]
				if x.UID != y.UID || !slices.Equal(x.Keywords, y.Keywords) ||
					readEmail(t, a, acct, x.EmailID) != readEmail(t, b, acct, y.EmailID) {
					t.Errorf("%s/%s: entry %d is UID %d %v, want UID %d %v", acct, w.Name, i,
						y.UID, y.Keywords, x.UID, x.Keywords)
					break
				}
				wm = append(wm, imapMessage{UID: x.UID, ModSeq: x.ModSeq})
				gm = append(gm, imapMessage{UID: y.UID, ModSeq: y.ModSeq})
			}
			if !sameOrder(wm, gm) {
				t.Errorf("%s/%s: MODSEQs in another order", acct, w.Name)
			}
		}
		if rep, err := b.mail.CheckIndex(ctx, acct); err != nil || len(rep.Problems) > 0 {
			t.Errorf("%s: index %v %v", acct, strings.Join(rep.Problems, "; "), err)
		}
	}
}
