package mailtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const corpus = "../../shared/testdata/messages"

// FuzzMessage checks that the accessors of a captured message never
// panic, whatever arrived.
func FuzzMessage(f *testing.F) {
	seeds := 0
	filepath.WalkDir(corpus, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || seeds >= 200 {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 64<<10 {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
			seeds++
		}
		return nil
	})
	if seeds == 0 {
		f.Fatalf("no seeds under %s", corpus)
	}
	f.Add([]byte("Subject: x\r\n\r\nbody"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := newMessage(Envelope{}, raw, nil, time.Time{})
		_ = m.Subject() + m.Text() + m.HTML()
		for _, a := range m.Attachments() {
			if a.ContentType == "" {
				t.Errorf("attachment without a content type")
			}
		}
		if string(m.Raw()) != string(raw) {
			t.Errorf("Raw changed the message")
		}
		m.DKIM()
	})
}
