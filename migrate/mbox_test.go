package migrate

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type mboxMsg struct {
	sender string
	date   time.Time
	body   string
}

func splitAll(t *testing.T, in string, opts MboxOptions) ([]mboxMsg, error) {
	t.Helper()
	mr := NewMboxReader(strings.NewReader(in), opts)
	var out []mboxMsg
	for range 10000 {
		m, err := mr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		b, err := io.ReadAll(m)
		if err != nil {
			return out, err
		}
		out = append(out, mboxMsg{m.Sender, m.Date, string(b)})
	}
	t.Fatal("mbox reader does not end")
	return nil, nil
}

// case035 is the mbox of shared case 035: the separator dates are the
// received dates the import must keep.
const case035 = "From 4410000000000000001@example.test Sun Jan 07 18:32:07 +0000 2018\n" +
	"From: Bea Example <bea@example.com>\nTo: Abe Example <abe@example.test>\n" +
	"Subject: from 2018\nDate: Sun, 07 Jan 2018 18:30:00 +0000\n" +
	"Message-ID: <mbox-0035a@example.com>\n\nold\n>From the archive: quoted line\n\n" +
	"From 4410000000000000002@example.test Fri May 23 16:35:53 +0000 2025\n" +
	"From: Bea Example <bea@example.com>\nSubject: from 2025\n\nnew\n"

func TestMboxReader(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		in    string
		opts  MboxOptions
		want  []mboxMsg
		fails error
	}{
		{name: "empty", in: ""},
		{name: "case 035", in: case035, want: []mboxMsg{
			{"4410000000000000001@example.test", d("2018-01-07T18:32:07Z"),
				"From: Bea Example <bea@example.com>\nTo: Abe Example <abe@example.test>\n" +
					"Subject: from 2018\nDate: Sun, 07 Jan 2018 18:30:00 +0000\n" +
					"Message-ID: <mbox-0035a@example.com>\n\nold\nFrom the archive: quoted line\n"},
			{"4410000000000000002@example.test", d("2025-05-23T16:35:53Z"),
				"From: Bea Example <bea@example.com>\nSubject: from 2025\n\nnew\n"},
		}},
		{name: "mboxrd unquotes one level",
			in: "From a@b Mon Jan  1 00:00:00 2024\n\n>>From x\n>From y\n>Fromage\n",
			want: []mboxMsg{{"a@b", d("2024-01-01T00:00:00Z"),
				"\n>From x\nFrom y\n>Fromage\n"}}},
		{name: "mboxo keeps deeper quoting", opts: MboxOptions{Quoting: Mboxo},
			in:   "From a@b Mon Jan  1 00:00:00 2024\n\n>>From x\n>From y\n",
			want: []mboxMsg{{"a@b", d("2024-01-01T00:00:00Z"), "\n>>From x\nFrom y\n"}}},
		{name: "crlf and garbage before the first separator",
			in: "junk\r\nFrom a@b Tue Feb  2 10:00:00 2021\r\nS: 1\r\n\r\nx\r\n\r\n" +
				"From c@d Tue Feb  2 11:00:00 2021\r\nS: 2\r\n",
			want: []mboxMsg{
				{"a@b", d("2021-02-02T10:00:00Z"), "S: 1\r\n\r\nx\r\n"},
				{"c@d", d("2021-02-02T11:00:00Z"), "S: 2\r\n"}}},
		{name: "unquoted From without a date stays in the message",
			in: "From a@b Mon Jan  1 00:00:00 2024\nS: x\n\nhi\n\nFrom here on\n",
			want: []mboxMsg{{"a@b", d("2024-01-01T00:00:00Z"),
				"S: x\n\nhi\n\nFrom here on\n"}}},
		{name: "blank lines kept inside", in: "From a@b Mon Jan  1 00:00:00 2024\n" +
			"S: x\n\n\n\nend\n\n\n",
			want: []mboxMsg{{"a@b", d("2024-01-01T00:00:00Z"), "S: x\n\n\n\nend\n\n"}}},
		{name: "too large", opts: MboxOptions{MaxMessageSize: 10},
			in: "From a@b Mon Jan  1 00:00:00 2024\nSubject: far too long\n", fails: ErrMboxTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitAll(t, tc.in, tc.opts)
			if tc.fails != nil {
				if !errors.Is(err, tc.fails) {
					t.Fatalf("err %v, want %v", err, tc.fails)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d messages, want %d: %+v", len(got), len(tc.want), got)
			}
			for i := range got {
				if got[i].sender != tc.want[i].sender || !got[i].date.Equal(tc.want[i].date) ||
					got[i].body != tc.want[i].body {
					t.Errorf("message %d:\n got %+v\nwant %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestMboxLongLine crosses the reader's buffer with one line.
func TestMboxLongLine(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	in := "From a@b Mon Jan  1 00:00:00 2024\nS: 1\n\n" + long + "\n\n" +
		"From a@b Mon Jan  1 00:00:01 2024\nS: 2\n"
	got, err := splitAll(t, in, MboxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].body != "S: 1\n\n"+long+"\n" {
		t.Fatalf("%d messages", len(got))
	}
}

func TestMboxCPython(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "shared", "testdata", "messages",
		"cpython-email", "mailbox_01.mbox"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := splitAll(t, string(b), MboxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// One message, whose body holds an unquoted "From time to time".
	if len(got) != 1 || !strings.Contains(got[0].body, "\nFrom time to time") ||
		got[0].sender != "MAILER-DAEMON" || got[0].date.Year() != 2022 {
		t.Fatalf("got %+v", got)
	}
}

func TestImportMboxKeepsReceivedDate(t *testing.T) {
	ctx := context.Background()
	dst := memoryServer(t)
	acct := "abe@example.test"
	n, err := ImportMbox(ctx, dst.target(), acct, "Archive/2018", strings.NewReader(case035),
		MailOptions{Keywords: []string{"$seen"}})
	if err != nil || n != 2 {
		t.Fatalf("imported %d: %v", n, err)
	}
	mb, err := dst.mail.MailboxByName(ctx, acct, "Archive/2018")
	if err != nil {
		t.Fatal(err)
	}
	ents, _, err := dst.mail.List(ctx, acct, mb.ID)
	if err != nil || len(ents) != 2 {
		t.Fatalf("list: %d, %v", len(ents), err)
	}
	want := []time.Time{time.Date(2018, 1, 7, 18, 32, 7, 0, time.UTC),
		time.Date(2025, 5, 23, 16, 35, 53, 0, time.UTC)}
	for i, e := range ents {
		if !e.Received.Equal(want[i]) {
			t.Errorf("message %d received %v, want %v", i, e.Received, want[i])
		}
		if len(e.Keywords) != 1 || e.Keywords[0] != "$seen" {
			t.Errorf("message %d keywords %v", i, e.Keywords)
		}
	}
	if body := readEmail(t, dst, acct, ents[0].EmailID); !strings.Contains(body,
		"\nFrom the archive") {
		t.Errorf("quoted line not restored: %q", body)
	}
}

func TestImportMboxStatusFlags(t *testing.T) {
	ctx := context.Background()
	dst := memoryServer(t)
	in := "From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\nStatus: RO\nX-Status: AF\n\n" +
		"Status: D is body text\n\n" +
		"From a@b Mon Jan  1 00:00:01 2024\nSubject: 2\nStatus: O\n\nx\n" +
		"\nFrom a@b Mon Jan  1 00:00:02 2024\nSubject: 3\n\nStatus: R\n"
	if _, err := ImportMbox(ctx, dst.target(), "a", "INBOX", strings.NewReader(in),
		MailOptions{}); err != nil {
		t.Fatal(err)
	}
	snap := snapshot(t, dst, "a")["INBOX"]
	got := map[string]string{}
	for _, m := range snap.Messages {
		got[m.Body[:len("Subject: 1")]] = m.Keywords
	}
	want := map[string]string{"Subject: 1": "$answered $flagged $seen",
		"Subject: 2": "", "Subject: 3": ""}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: keywords %q, want %q", k, got[k], w)
		}
	}
}
