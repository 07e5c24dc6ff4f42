package mailstore

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store/memory"
)

// corpusDir holds the shared message corpus, beside the repository.
const corpusDir = "../../shared/testdata/messages"

// corpusPaths lists the corpus messages from its INDEX.tsv.
func corpusPaths(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "INDEX.tsv"))
	if err != nil {
		if os.Getenv("CI") == "" && errors.Is(err, os.ErrNotExist) {
			tb.Skipf("corpus not found: %v", err)
		}
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Some catalogue fields span lines; paths start a row.
		p, _, _ := strings.Cut(sc.Text(), "\t")
		if strings.Contains(p, "/") && strings.TrimSpace(p) == p && !strings.Contains(p, " ") {
			out = append(out, filepath.Join(corpusDir, p))
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestCorpus delivers every corpus message, malformed ones included: each
// is stored, reads back byte for byte, has a parsed form, and its subject
// finds it.
func TestCorpus(t *testing.T) {
	paths := corpusPaths(t)
	f := newFixtureOn(t, memory.New(), memory.NewBlobs(), Options{})
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := f.Deliver(f.ctx, bytes.NewReader(raw), time.Time{},
			[]Recipient{{Account: f.acct}})
		if err != nil || ds[0].Err != nil {
			t.Errorf("Deliver(%s) = %v, %v", p, ds, err)
			continue
		}
		checkStored(t, f, p, raw, ds[0].EmailID)
	}
	mb := f.mailbox("INBOX")
	if int(mb.Total) != len(paths) {
		t.Errorf("INBOX holds %d, want %d", mb.Total, len(paths))
	}
	checkConsistency(t, f)
}

func checkStored(t *testing.T, f *fixture, p string, raw []byte, id EmailID) {
	t.Helper()
	em, err := f.Email(f.ctx, f.acct, id)
	if err != nil || em.Parsed == nil || em.Size != int64(len(raw)) {
		t.Errorf("Email(%s) = %+v, %v", p, em, err)
		return
	}
	rc, err := f.Open(f.ctx, f.acct, id, 0, -1)
	if err != nil {
		t.Errorf("Open(%s): %v", p, err)
		return
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, raw) {
		t.Errorf("Open(%s) returned %d bytes (%v), want %d", p, len(got), err, len(raw))
	}
	subj := strings.TrimSpace(em.Parsed.Subject)
	if subj == "" || len(subj) > 200 {
		return
	}
	res, err := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox, Filter: &Filter{Subject: subj}})
	if err != nil || !containsID(res.IDs, id) {
		t.Errorf("%s: subject %q does not find it: %v, %v", p, subj, res.IDs, err)
	}
}

func containsID(ids []EmailID, id EmailID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
