package sieve

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// filterScript builds a typical 50-rule user filter.
func filterScript() string {
	var b strings.Builder
	b.WriteString(`require ["fileinto", "imap4flags", "variables", "envelope", ` +
		`"body", "relational", "comparator-i;ascii-numeric", "regex"];` + "\n")
	for i := 0; i < 50; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "if header :contains \"subject\" \"project-%d\" "+
				"{ fileinto \"Projects/%d\"; stop; }\n", i, i)
		case 1:
			fmt.Fprintf(&b, "if address :domain :is \"from\" \"list%d.example.org\" "+
				"{ fileinto \"Lists/%d\"; }\n", i, i)
		case 2:
			fmt.Fprintf(&b, "if header :matches \"list-id\" \"*<news%d.*>\" "+
				"{ addflag \"$news\"; fileinto \"News/${1}\"; }\n", i)
		case 3:
			fmt.Fprintf(&b, "if allof(envelope :localpart :is \"to\" \"user%d\", "+
				"header :value \"gt\" :comparator \"i;ascii-numeric\" \"x-spam-score\" "+
				"\"%d\") { discard; }\n", i, i)
		case 4:
			fmt.Fprintf(&b, "if header :regex \"x-mailer\" \"^tool-%d[a-z]+$\" "+
				"{ setflag \"\\\\Seen\"; }\n", i)
		}
	}
	b.WriteString("if body :text :contains \"unsubscribe-here-now\" { fileinto \"Bulk\"; }\n")
	return b.String()
}

func benchMessage() string {
	var b strings.Builder
	b.WriteString("From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n" +
		"Subject: Quarterly report\r\nMessage-ID: <x@example.org>\r\n" +
		"X-Spam-Score: 3\r\nX-Mailer: tool-9\r\nDate: Thu, 3 Dec 2026 10:00:00 +0000\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n")
	for b.Len() < 10<<10 {
		b.WriteString("The quarterly numbers look fine; nothing to see in this line.\r\n")
	}
	return b.String()
}

// BenchmarkRun measures compiled-script runs of a 50-rule filter against
// a 10 KB message; BenchmarkCompile is the cost the cache saves.
func BenchmarkRun(b *testing.B) {
	sc, err := Compile("bench", filterScript(), nil)
	if err != nil {
		b.Fatal(err)
	}
	data := benchMessage()
	env := &Env{Envelope: Envelope{From: "alice@example.org", To: "bob@example.net"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg, _ := ReadMessage(strings.NewReader(data))
		res, err := sc.Run(context.Background(), msg, env)
		if err != nil || !res.ImplicitKeep {
			b.Fatalf("Run = %+v, %v", res, err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	src := filterScript()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Compile("bench", src, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentRuns runs one compiled script from several goroutines, as
// a delivery host does (run with -race).
func TestConcurrentRuns(t *testing.T) {
	sc, err := Compile("bench", filterScript(), nil)
	if err != nil {
		t.Fatal(err)
	}
	data := benchMessage()
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 20; i++ {
				msg, _ := ReadMessage(strings.NewReader(data))
				res, err := sc.Run(context.Background(), msg, &Env{Envelope: Envelope{
					From: "alice@example.org", To: "bob@example.net"}})
				if err == nil && !res.ImplicitKeep {
					err = fmt.Errorf("run %d lost the implicit keep", i)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
