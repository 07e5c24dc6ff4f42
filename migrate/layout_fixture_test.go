package migrate

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/memory"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

// The fixture of layout 1: a store written with the full-text index of
// layout 1 (one key per word and email), as a dump, and what reading it
// through the public API must give once migrated. Regenerate both with
//
//	go test ./migrate -run TestGenerateLayoutFixture -update-layout-fixture
var updateLayoutFixture = flag.Bool("update-layout-fixture", false,
	"rewrite the layout-1 fixture in testdata")

const (
	layoutFixture = "testdata/mailstore-layout1.kvdump.gz"
	layoutExpect  = "testdata/mailstore-layout1.expect.json"
)

// layoutFixtureSpaces are the spaces of a layout-1 mailstore with its
// blobs kept in the same store (kvblob), counters marked.
var layoutFixtureSpaces = []storetest.DumpSpace{
	{Space: store.LayoutSpace}, {Space: store.BlobRefSpace, Counter: true},
	{Space: store.BlobSweepSpace}, {Space: "blob_meta"}, {Space: "blob_chunk"},
	{Space: "blob_upload"}, {Space: "blob_ctr", Counter: true},
	{Space: "ms_meta"}, {Space: "ms_account"}, {Space: "ms_counter", Counter: true},
	{Space: "ms_mailbox"}, {Space: "ms_mailbox_name"}, {Space: "ms_email"},
	{Space: "ms_parsed"}, {Space: "ms_uid"}, {Space: "ms_modseq"},
	{Space: "ms_vanished"}, {Space: "ms_change"}, {Space: "ms_thread"},
	{Space: "ms_thread_key"}, {Space: "ms_term"}, {Space: "ms_doc_terms"},
	{Space: "ms_acct_blob"},
}

// TestGenerateLayoutFixture writes the layout-1 fixture: it fills a store
// with this release, records what the public API reads, then rewrites
// the full-text index in the encoding of layout 1.
func TestGenerateLayoutFixture(t *testing.T) {
	if !*updateLayoutFixture {
		t.Skip("run with -update-layout-fixture to rewrite the fixture")
	}
	ctx := context.Background()
	kv := memory.New()
	srv := newServer(t, kv, nil)
	fillLayoutFixture(t, srv)
	if _, err := srv.mail.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	expect, err := json.MarshalIndent(readLayoutSummary(t, srv.mail), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Update(ctx, downgradeIndexToLayout1); err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	if err := storetest.WriteDump(ctx, kv, layoutFixtureSpaces, &dump); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(layoutFixture, dump.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(layoutExpect, append(expect, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d octets) and %s", layoutFixture, dump.Len(), layoutExpect)
}

// fillLayoutFixture delivers real messages of the shared corpus and
// generated ones of natural-looking text into two accounts, with nested
// mailboxes, keywords, a move, a copy and expunges.
func fillLayoutFixture(t *testing.T, srv *server) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var msgs []string
	root := "../../shared/testdata/messages"
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(msgs) >= 60 {
			return err
		}
		if ext := filepath.Ext(p); ext != ".eml" && ext != ".msg" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && len(b) < 8<<10 {
			msgs = append(msgs, string(b))
		}
		return err
	})
	must(err)
	rng := rand.New(rand.NewPCG(7, 8))
	z := rand.NewZipf(rng, 1.1, 1, 20_000)
	for i := range 180 {
		msgs = append(msgs, naturalMessage(rng, z, i))
	}
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for a, acct := range []string{"ada@example.test", "bo@example.test"} {
		must(srv.mail.CreateAccount(ctx, acct))
		inbox, err := srv.mail.MailboxByName(ctx, acct, "INBOX")
		must(err)
		boxes := []mailstore.MailboxID{inbox.ID}
		for _, name := range []string{"Work", "Work/Reports", "Lists"} {
			mb, err := srv.mail.CreateMailbox(ctx, acct, name, "")
			must(err)
			boxes = append(boxes, mb.ID)
		}
		var ids []mailstore.EmailID
		for i, m := range msgs[a*40:] {
			ent, _, err := srv.mail.Append(ctx, acct, boxes[i%len(boxes)], strings.NewReader(m),
				testKeywords[i%len(testKeywords)], base.Add(time.Duration(i)*time.Hour))
			must(err)
			ids = append(ids, ent.EmailID)
		}
		must(srv.mail.SetEmailMailboxes(ctx, acct, ids[1], []mailstore.MailboxID{boxes[2]}))
		must(srv.mail.SetEmailMailboxes(ctx, acct, ids[2], []mailstore.MailboxID{boxes[0], boxes[3]}))
		for _, i := range []int{5, 17, 130} {
			must(srv.mail.DestroyEmail(ctx, acct, ids[i]))
		}
	}
}

// naturalMessage makes message i with 100-400 words drawn by Zipf's law.
func naturalMessage(rng *rand.Rand, z *rand.Zipf, i int) string {
	word := func() string {
		const cons, vow = "bcdfghklmnprstvz", "aeiou"
		var b []byte
		for n := z.Uint64() + 1; n > 0; n /= 80 {
			b = append(b, cons[n%80%16], vow[n%80/16])
		}
		return string(b)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "From: Writer %d <w%d@example.org>\r\nTo: ada@example.test\r\n", i%13, i%13)
	fmt.Fprintf(&sb, "Subject: %s %s %d\r\nMessage-ID: <n%d@example.org>\r\n", word(), word(), i, i)
	if i > 3 && i%4 == 0 {
		fmt.Fprintf(&sb, "In-Reply-To: <n%d@example.org>\r\n", i-4)
	}
	sb.WriteString("Date: Sat, 01 Mar 2025 09:00:00 +0000\r\n\r\n")
	for j := range 100 + rng.IntN(300) {
		sb.WriteString(word())
		if j%11 == 10 {
			sb.WriteString("\r\n")
		} else {
			sb.WriteString(" ")
		}
	}
	sb.WriteString("\r\n")
	return sb.String()
}

// downgradeIndexToLayout1 rewrites the full-text index in the encoding
// of layout 1: a key "account word 0x00 email" holding the field bits per
// word and email, and word lists of the words alone. It reads the
// postings of layout 2: per word and chunk of 4096 email numbers, a run
// of uvarints, each the gap from the previous email shifted left by four
// or'ed with the fields.
func downgradeIndexToLayout1(tx store.Tx) error {
	type posting struct {
		key    []byte
		fields byte
	}
	var olds []posting
	words := map[string][]string{} // "account email" -> words
	err := tx.Scan("ms_posting", store.Range{}, func(k, v []byte) error {
		group := k[:len(k)-4] // account, word, 0x00
		e := uint64(binary.BigEndian.Uint32(k[len(k)-4:])) << 12
		for len(v) > 0 {
			x, n := binary.Uvarint(v)
			if n <= 0 {
				return fmt.Errorf("posting %x: bad uvarint", k)
			}
			v = v[n:]
			e += x >> 4
			key := binary.BigEndian.AppendUint64(bytes.Clone(group), e)
			olds = append(olds, posting{key, byte(x & 0xf)})
			doc := string(binary.BigEndian.AppendUint64(bytes.Clone(k[:4]), e))
			words[doc] = append(words[doc], string(group[4:len(group)-1]))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tx.Scan("ms_term_pending", store.Range{}, func(k, _ []byte) error {
		return fmt.Errorf("pending postings left: merge them first")
	}); err != nil {
		return err
	}
	for _, p := range olds {
		if err := tx.Put("ms_term", p.key, []byte{p.fields}); err != nil {
			return err
		}
	}
	docs := make([]string, 0, len(words))
	for d := range words {
		docs = append(docs, d)
	}
	sort.Strings(docs)
	for _, d := range docs {
		list := words[d]
		sort.Strings(list)
		rec := []byte{1}
		rec = binary.AppendUvarint(rec, uint64(len(list)))
		for _, w := range list {
			rec = binary.AppendUvarint(rec, uint64(len(w)))
			rec = append(rec, w...)
		}
		if err := tx.Put("ms_doc_terms", []byte(d), rec); err != nil {
			return err
		}
	}
	var postingKeys [][]byte
	if err := tx.Scan("ms_posting", store.Range{}, func(k, _ []byte) error {
		postingKeys = append(postingKeys, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range postingKeys {
		if err := tx.Delete("ms_posting", k); err != nil {
			return err
		}
	}
	for sp, v := range map[string]byte{"ms_term": 1, "ms_doc_terms": 1} {
		if err := tx.Put("ms_meta", []byte(sp), []byte{v}); err != nil {
			return err
		}
	}
	for _, sp := range []string{"ms_posting", "ms_term_pending"} {
		if err := tx.Delete("ms_meta", []byte(sp)); err != nil {
			return err
		}
	}
	return store.Layout{Component: mailstore.LayoutComponent}.SetVersion(tx, 1)
}

// layoutSummary is what a mailstore reads through its public API: per
// account, each mailbox with its entries, and the emails a search for
// each sample word finds.
type layoutSummary map[string]accountSummary

type accountSummary struct {
	Mailboxes map[string]mailboxSummary
	Searches  map[string][]string
}

type mailboxSummary struct {
	Role          string
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	Entries       []string // "uid modseq size received id keywords"
}

// layoutSearchWords are searched in every account of the fixture.
var layoutSearchWords = []string{"the", "message", "test", "ba", "bebe", "kaba",
	"from", "report", "attachment", "multipart", "hello", "ζ", "writer"}

func readLayoutSummary(t *testing.T, mail *mailstore.Store) layoutSummary {
	t.Helper()
	ctx := context.Background()
	accts, err := mail.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := layoutSummary{}
	for _, acct := range accts {
		boxes, err := mail.Mailboxes(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		as := accountSummary{Mailboxes: map[string]mailboxSummary{}, Searches: map[string][]string{}}
		for _, mb := range boxes {
			ents, _, err := mail.List(ctx, acct, mb.ID)
			if err != nil {
				t.Fatal(err)
			}
			ms := mailboxSummary{Role: mb.Role, UIDValidity: mb.UIDValidity,
				UIDNext: mb.UIDNext, HighestModSeq: mb.HighestModSeq}
			for _, e := range ents {
				ms.Entries = append(ms.Entries, fmt.Sprintf("%d %d %d %s %s %s", e.UID, e.ModSeq,
					e.Size, e.Received.UTC().Format(time.RFC3339), e.EmailID,
					strings.Join(e.Keywords, ",")))
			}
			as.Mailboxes[mb.Name] = ms
		}
		for _, w := range layoutSearchWords {
			for _, f := range []*mailstore.Filter{{Text: w}, {Body: w}, {Subject: w}} {
				res, err := mail.Query(ctx, acct, mailstore.Query{Filter: f})
				if err != nil {
					t.Fatal(err)
				}
				var hits []string
				for _, id := range res.IDs {
					hits = append(hits, string(id))
				}
				slices.Sort(hits)
				kind := "text"
				if f.Body != "" {
					kind = "body"
				} else if f.Subject != "" {
					kind = "subject"
				}
				as.Searches[kind+":"+w] = hits
			}
		}
		out[acct] = as
	}
	return out
}
