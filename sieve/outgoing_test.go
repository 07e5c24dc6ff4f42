package sieve

import (
	"context"
	"strings"
	"testing"
)

func TestOutgoing(t *testing.T) {
	env := Envelope{From: "alice@example.org", To: "bob@example.net"}
	tests := []struct {
		name, hdr, script string
		env               Envelope
		want              string // recipients and reverse-path, or ""
	}{
		{"redirect", "From: alice@example.org\n", `redirect "carol@example.com";`, env,
			"carol@example.com<alice@example.org"},
		{"redirect loop", "X-Sieve-Redirected-From: bob@example.net\nFrom: a@b.c\n",
			`redirect "carol@example.com";`, env, ""},
		{"vacation", "From: alice@example.org\nTo: bob@example.net\nSubject: hi\n",
			`require "vacation"; vacation "away";`, env, "alice@example.org<"},
		{"vacation to list", "From: alice@example.org\nTo: bob@example.net\n" +
			"List-Id: <l.example.org>\n", `require "vacation"; vacation "away";`, env, ""},
		{"vacation to null sender", "From: alice@example.org\nTo: bob@example.net\n",
			`require "vacation"; vacation "away";`, Envelope{To: "bob@example.net"}, ""},
		{"vacation not addressed", "From: alice@example.org\nTo: x@example.net\n",
			`require "vacation"; vacation "away";`, env, ""},
		{"notify", "From: alice@example.org\nSubject: s\n",
			`require "enotify"; notify "mailto:carol@example.com?cc=dan@example.com";`,
			env, "carol@example.com,dan@example.com<postmaster@example.net"},
		{"reject", "From: alice@example.org\nSubject: s\n", `require "reject"; reject "no";`,
			env, "alice@example.org<"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Compile("x", tc.script, nil)
			if err != nil {
				t.Fatal(err)
			}
			msg := mustMessage(t, tc.hdr+"\nbody\n")
			res, err := sc.Run(context.Background(), msg, &Env{Envelope: tc.env})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range res.Outgoing(msg.Header(), tc.env, SendOptions{}) {
				got = append(got, strings.Join(o.Recipients, ",")+"<"+o.ReversePath)
				if len(o.Header) == 0 {
					t.Errorf("outgoing message without header")
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("Outgoing = %q, want %q", got, tc.want)
			}
		})
	}
}
