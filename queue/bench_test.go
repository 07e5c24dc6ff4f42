package queue

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/bulwarkmail/bulwark/store/memory"
	"github.com/foxcpp/go-mockdns"
)

// BenchmarkQueueToSink measures messages per second from Submit to a
// loopback SMTP sink, through MX resolution and a full SMTP session per
// message, with 1 and 20 recipient domains. The sink is our scripted
// server, or Postfix's smtp-sink as a peer when installed.
func BenchmarkQueueToSink(b *testing.B) {
	for _, sink := range []string{"clienttest", "smtp-sink"} {
		for _, domains := range []int{1, 20} {
			b.Run(fmt.Sprintf("sink=%s/domains=%d", sink, domains), func(b *testing.B) {
				port := startSink(b, sink)
				benchQueue(b, port, domains)
			})
		}
	}
}

// startSink runs a sink and returns its port.
func startSink(b *testing.B, kind string) int {
	b.Helper()
	if kind == "clienttest" {
		s := &clienttest.Server{Extensions: []string{"PIPELINING", "8BITMIME"}}
		if _, err := s.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
		return s.Port()
	}
	bin, err := exec.LookPath("smtp-sink")
	if err != nil {
		if os.Getenv("CI") == "" {
			b.Skip("smtp-sink (Debian package postfix) not installed")
		}
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-u", "nobody", fmt.Sprintf("127.0.0.1:%d", port), "256")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
			c.Close()
			return port
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Fatal("smtp-sink did not start")
	return 0
}

// counting counts successful deliveries of a Transport.
type counting struct {
	Transport
	n atomic.Int64
}

func (c *counting) Deliver(ctx context.Context, d string, m *client.Message) ([]error, error) {
	res, err := c.Transport.Deliver(ctx, d, m)
	if err == nil {
		c.n.Add(int64(len(m.Recipients)))
	}
	return res, err
}

func benchQueue(b *testing.B, port, domains int) {
	z := map[string]mockdns.Zone{"mx.sink.test.": {A: []string{"127.0.0.1"}}}
	for i := range domains {
		z[fmt.Sprintf("d%d.example.net.", i)] = mockdns.Zone{
			MX: []net.MX{{Host: "mx.sink.test.", Pref: 10}}}
	}
	tr := &counting{Transport: client.New(client.Options{Resolver: &mockdns.Resolver{Zones: z},
		MaxPerHost: 64, Dial: func(ctx context.Context, _ client.Target) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
		}})}
	q, err := New(context.Background(), Options{KV: memory.New(), Blobs: memory.NewBlobs(),
		Transport: tr, Workers: 32, PollInterval: 10 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Shutdown(context.Background())
	b.ResetTimer()
	for i := range b.N {
		env := Envelope{From: "fay@example.com",
			Recipients: to(fmt.Sprintf("u%d@d%d.example.net", i, i%domains))}
		if _, err := q.Submit(context.Background(), env, testMessage(fmt.Sprint(i))); err != nil {
			b.Fatal(err)
		}
	}
	for deadline := time.Now().Add(time.Minute); tr.n.Load() < int64(b.N); {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d delivered", tr.n.Load(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDirectToSink is the peer of BenchmarkQueueToSink: the same
// SMTP sessions from 32 goroutines without the queue, to show what the
// queue's durability and scheduling cost.
func BenchmarkDirectToSink(b *testing.B) {
	port := startSink(b, "clienttest")
	z := map[string]mockdns.Zone{"mx.sink.test.": {A: []string{"127.0.0.1"}},
		"d0.example.net.": {MX: []net.MX{{Host: "mx.sink.test.", Pref: 10}}}}
	d := client.New(client.Options{Resolver: &mockdns.Resolver{Zones: z}, MaxPerHost: 64,
		Dial: func(ctx context.Context, _ client.Target) (net.Conn, error) {
			var nd net.Dialer
			return nd.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
		}})
	body := "From: fay@example.com\r\nSubject: x\r\n\r\nHello.\r\n"
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m := &client.Message{From: "fay@example.com", Size: int64(len(body)),
				Recipients: []client.Recipient{{Address: "u@d0.example.net"}},
				Open: func() (io.ReadCloser, error) {
					return io.NopCloser(strings.NewReader(body)), nil
				}}
			if _, err := d.Deliver(context.Background(), "d0.example.net", m); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
