package spamfilter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store/memory"
)

// testdata is the shared corpus folder.
const testdata = "../../shared/testdata"

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testNow is the time the test messages are dated around.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// newFilter builds a Filter over a fresh memory store at testNow, with
// opts' other fields kept.
func newFilter(t testing.TB, opts Options) *Filter {
	t.Helper()
	if opts.KV == nil {
		kv := memory.New()
		t.Cleanup(func() { kv.Close() })
		opts.KV = kv
	}
	if opts.Now == nil {
		opts.Now = newClock(testNow).Now
	}
	f, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

// msg is a message under construction: header fields in order, then the
// body.
type msg struct {
	fields []string
	body   string
}

// cleanMsg returns a well-formed plain text message.
func cleanMsg() *msg {
	return &msg{
		fields: []string{
			"From: Alice Example <alice@example.org>",
			"To: Bob <bob@example.net>",
			"Subject: Lunch on Thursday",
			"Date: " + testNow.Add(-time.Hour).Format(time.RFC1123Z),
			"Message-ID: <1234@example.org>",
			"MIME-Version: 1.0",
			"Content-Type: text/plain; charset=utf-8",
		},
		body: "Hi Bob,\r\n\r\nShall we meet at noon by the old bridge?\r\n\r\nAlice\r\n",
	}
}

// set replaces the field of that name, or adds it; an empty value
// removes it.
func (m *msg) set(name, value string) *msg {
	out := m.fields[:0:0]
	done := false
	for _, f := range m.fields {
		if strings.HasPrefix(strings.ToLower(f), strings.ToLower(name)+":") {
			if value != "" && !done {
				out = append(out, name+": "+value)
			}
			done = true
			continue
		}
		out = append(out, f)
	}
	if !done && value != "" {
		out = append(out, name+": "+value)
	}
	m.fields = out
	return m
}

func (m *msg) withBody(b string) *msg {
	m.body = b
	return m
}

func (m *msg) String() string {
	return strings.Join(m.fields, "\r\n") + "\r\n\r\n" + m.body
}

// check scores raw with in's other fields kept.
func check(t testing.TB, f *Filter, raw string, in Input) *Verdict {
	t.Helper()
	in.Message = strings.NewReader(raw)
	v, err := f.Check(context.Background(), in)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return v
}

func symbolNames(v *Verdict) []string {
	var out []string
	for _, h := range v.Hits {
		out = append(out, fmt.Sprintf("%s(%.2f)", h.Name, h.Score))
	}
	return out
}

// readFile reads a file of the shared corpus, skipping the test when the
// corpus is not there.
func readFile(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, rel))
	if os.IsNotExist(err) {
		t.Skipf("corpus file %s missing", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// corpusFiles lists the message files under a folder of the corpus,
// relative to testdata; .json, .md, .tsv and licence files are left out.
func corpusFiles(t testing.TB, dir string) []string {
	t.Helper()
	out, err := listCorpus(dir)
	if os.IsNotExist(err) {
		t.Skipf("corpus %s missing", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// corpusFilesOrNil is corpusFiles for benchmarks: nil when missing.
func corpusFilesOrNil(dir string) []string {
	out, _ := listCorpus(dir)
	return out
}

func listCorpus(dir string) ([]string, error) {
	var out []string
	root := filepath.Join(testdata, dir)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".md", ".tsv", ".xml", ".py", ".rb":
			return nil
		}
		if strings.HasPrefix(d.Name(), "LICENSE") {
			return nil
		}
		rel, _ := filepath.Rel(testdata, p)
		out = append(out, rel)
		return nil
	})
	return out, err
}

// readSeed reads a corpus file for a fuzz seed.
func readSeed(rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(testdata, rel))
}
