package sieve

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwarkmail/bulwark/store/memory"
)

// TestActivationAfterFailedPut covers case 029 and its kind: a failed
// upload or activation leaves no script, no active flag and no cached
// compiled form behind, and the script stored afterwards keeps mail.
func TestActivationAfterFailedPut(t *testing.T) {
	ctx := context.Background()
	st := NewStorage(memory.New(), StorageOptions{})
	const acct = "rob@example.test"
	const good = `require ["fileinto", "mailbox"];
if header :contains "subject" "FILTER-ME" {
  fileinto :create "Sorted";
} else {
  keep;
}`
	if _, err := st.Put(ctx, acct, "main", good[:40]); err == nil {
		t.Fatal("Put(truncated script) succeeded")
	}
	if err := st.Activate(ctx, acct, "main"); !errors.Is(err, ErrNoScript) {
		t.Fatalf("Activate(after failed Put) = %v, want ErrNoScript", err)
	}
	if sc, _, _ := st.Active(ctx, acct); sc != nil {
		t.Fatal("a script is active after a failed upload")
	}
	if _, err := st.Put(ctx, acct, "main", good); err != nil {
		t.Fatal(err)
	}
	if err := st.Activate(ctx, acct, "main"); err != nil {
		t.Fatal(err)
	}
	sc, _, err := st.Active(ctx, acct)
	if err != nil || sc == nil {
		t.Fatalf("Active = %v, %v", sc, err)
	}
	for subject, want := range map[string]string{"plain note": "keep:INBOX",
		"FILTER-ME please": "fileinto:Sorted"} {
		msg := mustMessage(t, "From: a@example.org\nTo: rob@example.test\nSubject: "+
			subject+"\n\nhi\n")
		res, err := sc.Run(ctx, msg, &Env{Envelope: Envelope{From: "a@example.org",
			To: acct}})
		if err != nil || len(res.Actions) != 1 {
			t.Fatalf("Run(%q) = %+v, %v", subject, res, err)
		}
		a := res.Actions[0]
		if got := string(a.Kind) + ":" + a.Mailbox; got != want || res.ImplicitKeep {
			t.Errorf("Run(%q) = %s keep=%v, want %s", subject, got, res.ImplicitKeep, want)
		}
		if want == "fileinto:Sorted" && !a.Create {
			t.Errorf("fileinto :create lost its :create")
		}
	}
}

// TestFlagsAreData covers case 015's Sieve side: setflag only decides the
// flags of this delivery; nothing carries over between runs of a cached
// script.
func TestFlagsAreData(t *testing.T) {
	sc, err := Compile("flags", `require "imap4flags";
if address :is :domain "from" "example.org" { setflag ["\\Flagged", "\\Seen"]; }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	flagged := mustMessage(t, "From: Zack <zack@example.org>\nSubject: flag me\n\nhi\n")
	other := mustMessage(t, "From: other@example.net\nSubject: no\n\nhi\n")
	res, err := sc.Run(context.Background(), flagged, nil)
	if err != nil || !res.ImplicitKeep || len(res.KeepFlags) != 2 {
		t.Fatalf("Run(flagged) = %+v, %v", res, err)
	}
	res, err = sc.Run(context.Background(), other, nil)
	if err != nil || len(res.KeepFlags) != 0 || res.HasKeepFlags {
		t.Errorf("flags leaked into the next run: %+v, %v", res, err)
	}
}
