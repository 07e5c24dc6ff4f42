package client

import (
	"context"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
)

func TestSessionReuse(t *testing.T) {
	cases := []struct {
		name  string
		idle  time.Duration
		drop  bool
		conns int
	}{
		{"reused", 0, false, 1},
		{"reuse off", -1, false, 3},
		{"remote dropped idle session", 0, true, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, &clienttest.Server{Extensions: []string{"PIPELINING"}})
			d := New(Options{IdleTimeout: c.idle,
				DefaultRelay: &Relay{Host: "127.0.0.1:" + itoa(s.Port())}})
			defer d.Close()
			for i := range 3 {
				if c.drop && i > 0 {
					s.DropConnections()
					time.Sleep(10 * time.Millisecond)
				}
				_, err := d.Deliver(context.Background(), "example.net",
					msg(testBody, "a@example.net"))
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
			}
			if len(s.Messages()) != 3 || s.Connections() != c.conns {
				t.Errorf("%d messages over %d connections, want 3 over %d",
					len(s.Messages()), s.Connections(), c.conns)
			}
		})
	}
}
