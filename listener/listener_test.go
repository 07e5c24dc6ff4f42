package listener

import (
	"bufio"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
)

// serveOnce accepts one connection on l, runs Handshake and reports the
// remote address and the first line read after the header.
type accepted struct {
	remote netip.AddrPort
	line   string
	err    error
}

func serveOnce(t *testing.T, l net.Listener) <-chan accepted {
	t.Helper()
	ch := make(chan accepted, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			ch <- accepted{err: err}
			return
		}
		defer c.Close()
		if err := Handshake(c); err != nil {
			ch <- accepted{err: err}
			return
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		ch <- accepted{remote: AddrPort(c.RemoteAddr()), line: line, err: err}
	}()
	return ch
}

func listen(t *testing.T, opts ProxyOptions) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return Wrap(l, opts)
}

func TestProxyHeaders(t *testing.T) {
	src := &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4242}
	dst := &net.TCPAddr{IP: net.ParseIP("198.51.100.1"), Port: 25}
	src6 := &net.TCPAddr{IP: net.ParseIP("2001:db8::7"), Port: 4242}
	dst6 := &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 25}
	tests := []struct {
		name    string
		version byte
		src     *net.TCPAddr
		dst     *net.TCPAddr
	}{
		{"v1 IPv4", 1, src, dst},
		{"v2 IPv4", 2, src, dst},
		{"v1 IPv6", 1, src6, dst6},
		{"v2 IPv6", 2, src6, dst6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			l := listen(t, ProxyOptions{Trusted: loopback})
			ch := serveOnce(t, l)
			c := dial(t, l)
			h := proxyproto.HeaderProxyFromAddrs(tt.version, tt.src, tt.dst)
			if _, err := h.WriteTo(c); err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("EHLO x\r\n"))
			got := wait(t, ch)
			want := listenerAddr(tt.src)
			if got.err != nil || got.remote != want || got.line != "EHLO x\r\n" {
				t.Errorf("accepted = %+v, want remote %v and line EHLO", got, want)
			}
		})
	}
}

func TestProxyUntrustedIgnored(t *testing.T) {
	l := listen(t, ProxyOptions{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	ch := serveOnce(t, l)
	c := dial(t, l)
	c.Write([]byte("PROXY TCP4 192.0.2.7 198.51.100.1 4242 25\r\n"))
	got := wait(t, ch)
	if got.err != nil || got.remote.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("remote = %v (%v), want 127.0.0.1", got.remote, got.err)
	}
	if got.line != "PROXY TCP4 192.0.2.7 198.51.100.1 4242 25\r\n" {
		t.Errorf("line = %q, want the PROXY line as plain data", got.line)
	}
}

func TestProxyTrustedWithoutHeader(t *testing.T) {
	l := listen(t, ProxyOptions{
		Trusted:       []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		HeaderTimeout: 200 * time.Millisecond,
	})
	ch := serveOnce(t, l)
	c := dial(t, l)
	c.Write([]byte("EHLO x\r\n"))
	got := wait(t, ch)
	if !errors.Is(got.err, ErrNoProxyHeader) {
		t.Errorf("Handshake error = %v, want ErrNoProxyHeader", got.err)
	}
}

func TestWrapWithoutTrustIsIdentity(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := Wrap(l, ProxyOptions{}); got != l {
		t.Errorf("Wrap with no trusted network = %T, want the listener itself", got)
	}
}

func dial(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wait(t *testing.T, ch <-chan accepted) accepted {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no connection accepted")
	}
	return accepted{}
}

func listenerAddr(a *net.TCPAddr) netip.AddrPort {
	return AddrPort(a)
}

func TestConnLimiter(t *testing.T) {
	l := &ConnLimiter{Max: 2}
	a := netip.MustParseAddr("192.0.2.1")
	r1, ok1 := l.Acquire(a)
	r2, ok2 := l.Acquire(a)
	_, ok3 := l.Acquire(a)
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("Acquire x3 = %v %v %v, want true true false", ok1, ok2, ok3)
	}
	if _, ok := l.Acquire(netip.MustParseAddr("192.0.2.2")); !ok {
		t.Error("Acquire for another client refused")
	}
	r1()
	r1() // a second release must not count twice
	if got := l.Open(a); got != 1 {
		t.Errorf("Open after release = %d, want 1", got)
	}
	r2()
	// IPv6 clients of one /64 share a count.
	v6a, v6b := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	l.Acquire(v6a)
	l.Acquire(v6b)
	if _, ok := l.Acquire(netip.MustParseAddr("2001:db8::3")); ok {
		t.Error("third connection from one /64 accepted, want refused")
	}
	var unlimited ConnLimiter
	for i := 0; i < 100; i++ {
		if _, ok := unlimited.Acquire(a); !ok {
			t.Fatal("zero ConnLimiter refused a connection")
		}
	}
}

func TestRateLimiter(t *testing.T) {
	r := &RateLimiter{Limit: 3, Per: time.Second}
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if !r.Allow("k", now) {
			t.Fatalf("Allow #%d = false, want true", i+1)
		}
	}
	if r.Allow("k", now) {
		t.Error("Allow over the burst = true, want false")
	}
	if !r.Allow("other", now) {
		t.Error("Allow for another key = false, want true")
	}
	if !r.Allow("k", now.Add(400*time.Millisecond)) {
		t.Error("Allow after refill = false, want true")
	}
	var zero RateLimiter
	if !zero.Allow("k", now) {
		t.Error("zero RateLimiter refused")
	}
}

func TestRateLimiterPrunes(t *testing.T) {
	r := &RateLimiter{Limit: 1, Per: time.Millisecond}
	now := time.Unix(0, 0)
	for i := 0; i < maxIdleBuckets+10; i++ {
		r.Allow(string(rune(i+1)), now.Add(time.Duration(i)*time.Second))
	}
	if n := len(r.buckets); n > maxIdleBuckets {
		t.Errorf("buckets = %d, want at most %d", n, maxIdleBuckets)
	}
}

func TestParsePrefixes(t *testing.T) {
	in := []string{"10.1.2.3/8", "192.0.2.1", "2001:db8::/32", "::ffff:1.2.3.4"}
	got, err := ParsePrefixes(in)
	want := []string{"10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32", "1.2.3.4/32"}
	if err != nil || len(got) != len(want) {
		t.Fatalf("ParsePrefixes = %v, %v", got, err)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("ParsePrefixes[%d] = %v, want %s", i, got[i], want[i])
		}
	}
	if _, err := ParsePrefixes([]string{"not-an-ip"}); err == nil {
		t.Error("ParsePrefixes(bad) succeeded")
	}
}
