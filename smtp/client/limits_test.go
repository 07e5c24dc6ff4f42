package client

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/foxcpp/go-mockdns"
)

func TestMaxPerHost(t *testing.T) {
	var mu sync.Mutex
	cur, peak := 0, 0
	s := start(t, &clienttest.Server{Delay: 20 * time.Millisecond,
		OnMail: func(string) string {
			mu.Lock()
			cur++
			peak = max(peak, cur)
			mu.Unlock()
			return ""
		},
		OnData: func(*clienttest.Received, string) string {
			mu.Lock()
			cur--
			mu.Unlock()
			return ""
		}})
	d := New(Options{MaxPerHost: 2, DefaultRelay: &Relay{Host: "127.0.0.1:" + itoa(s.Port())}})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := d.Deliver(context.Background(), "example.net",
				msg(testBody, "a@example.net")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if peak != 2 {
		t.Errorf("peak transactions = %d, want 2", peak)
	}
}

func TestMaxHosts(t *testing.T) {
	ok := start(t, &clienttest.Server{})
	r := &mockdns.Resolver{Zones: zones("example.net", "mx1.example.net", "mx2.example.net",
		"mx3.example.net")}
	var dialed []string
	var mu sync.Mutex
	dial := dialer(map[string]int{"mx3.example.net": ok.Port()})
	d := New(Options{Resolver: r, MaxHosts: 2,
		Dial: func(ctx context.Context, tg Target) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, tg.Host)
			mu.Unlock()
			return dial(ctx, tg)
		}})
	_, err := d.Deliver(context.Background(), "example.net", msg(testBody, "a@example.net"))
	if err == nil || !Temporary(err) || len(ok.Messages()) != 0 {
		t.Fatalf("Deliver = %v, want a temporary failure after two hosts", err)
	}
	if strings.Join(dialed, ",") != "mx1.example.net,mx2.example.net" {
		t.Errorf("dialed %v, want the first two MX hosts in order", dialed)
	}
}

func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(2 * time.Second) // never greets
		}
	}()
	d := New(Options{Timeout: 100 * time.Millisecond,
		DefaultRelay: &Relay{Host: l.Addr().String()}})
	startT := time.Now()
	_, err = d.Deliver(context.Background(), "example.net", msg(testBody, "a@example.net"))
	if err == nil || !Temporary(err) || time.Since(startT) > time.Second {
		t.Fatalf("Deliver = %v after %v, want a quick temporary failure", err, time.Since(startT))
	}
}

func TestReplyLineLimit(t *testing.T) {
	long := strings.Repeat("250-x\r\n", maxReplyLines) + "250 end\r\n"
	if _, err := readReply(bufioReader(long), "h"); err == nil {
		t.Errorf("readReply accepted %d lines", maxReplyLines+1)
	}
	ok := strings.Repeat("250-x\r\n", maxReplyLines-1) + "250 end\r\n"
	if _, err := readReply(bufioReader(ok), "h"); err != nil {
		t.Errorf("readReply(%d lines) = %v", maxReplyLines, err)
	}
	var e *Error
	if _, err := readReply(bufioReader("250-a\r\n550 b\r\n"), "h"); err == nil ||
		errors.As(err, &e) {
		t.Errorf("readReply with a changing code = %v, want a protocol error", err)
	}
}

func TestConnectTimeout(t *testing.T) {
	d := New(Options{ConnectTimeout: 50 * time.Millisecond,
		DefaultRelay: &Relay{Host: "192.0.2.1:25"},
		Dial: func(ctx context.Context, _ Target) (net.Conn, error) {
			<-ctx.Done() // a host that never answers SYN
			return nil, ctx.Err()
		}})
	start := time.Now()
	_, err := d.Deliver(context.Background(), "example.net", msg(testBody, "a@example.net"))
	if err == nil || !Temporary(err) || time.Since(start) > time.Second {
		t.Fatalf("Deliver = %v after %v, want a temporary failure near 50ms",
			err, time.Since(start))
	}
}
