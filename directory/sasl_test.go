package directory_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/store/memory"
	"github.com/emersion/go-sasl"
)

// tokens is a TokenValidator with a fixed table.
type tokens map[string]string

func (m tokens) ValidateToken(_ context.Context, tok string) (string, error) {
	if s, ok := m[tok]; ok {
		return s, nil
	}
	return "", errors.New("unknown token")
}

var cheap = directory.Options{}

func newDir(t testing.TB, o directory.Options) *local.Directory {
	t.Helper()
	ctx := context.Background()
	o.Passwords.Argon2 = cheapArgon2
	d, err := local.New(ctx, memory.New(), local.Options{Directory: o})
	if err != nil {
		t.Fatal(err)
	}
	users := []struct {
		p  directory.Principal
		pw string
	}{
		{directory.Principal{Name: "alice@example.org", Emails: []string{"alice@example.org",
			"al@example.org"}}, "alice-pw"},
		{directory.Principal{Name: "root@example.org", Emails: []string{"root@example.org"},
			Roles: []string{directory.RoleAdmin}}, "root-pw"},
	}
	for _, u := range users {
		if err := d.CreatePrincipal(ctx, u.p, u.pw); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// exchange runs a client against a server until done, at most 5 steps.
func exchange(t *testing.T, c sasl.Client, s sasl.Server) error {
	t.Helper()
	_, resp, err := c.Start()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		chal, done, err := s.Next(resp)
		if done || err != nil {
			return err
		}
		resp, err = c.Next(chal)
		if err != nil {
			// An OAUTHBEARER client reports the error challenge; answer it
			// with the dummy response the RFC asks for.
			resp = []byte{1}
		}
	}
	t.Fatal("exchange did not end")
	return nil
}

func TestSASL(t *testing.T) {
	d := newDir(t, directory.Options{Tokens: tokens{"tok-a": "alice@example.org",
		"tok-alias": "al@example.org"}})
	tests := []struct {
		name, mech string
		client     sasl.Client
		want       string
		err        error
	}{
		{"plain", "PLAIN", sasl.NewPlainClient("", "alice@example.org", "alice-pw"),
			"alice@example.org", nil},
		{"plain same authzid", "plain", sasl.NewPlainClient("alice@example.org",
			"alice@example.org", "alice-pw"), "alice@example.org", nil},
		{"plain alias login", "PLAIN", sasl.NewPlainClient("", "al@example.org", "alice-pw"),
			"alice@example.org", nil},
		{"plain wrong", "PLAIN", sasl.NewPlainClient("", "alice@example.org", "nope"),
			"", directory.ErrInvalidCredentials},
		{"plain other authzid", "PLAIN", sasl.NewPlainClient("root@example.org",
			"alice@example.org", "alice-pw"), "", directory.ErrNotAuthorized},
		{"plain admin impersonates", "PLAIN", sasl.NewPlainClient("alice@example.org",
			"root@example.org", "root-pw"), "alice@example.org", nil},
		{"plain admin missing target", "PLAIN", sasl.NewPlainClient("ghost@example.org",
			"root@example.org", "root-pw"), "", directory.ErrNotAuthorized},
		{"login", "LOGIN", sasl.NewLoginClient("alice@example.org", "alice-pw"),
			"alice@example.org", nil},
		{"login wrong", "LOGIN", sasl.NewLoginClient("alice@example.org", "x"),
			"", directory.ErrInvalidCredentials},
		{"oauthbearer", "OAUTHBEARER", sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
			Username: "alice@example.org", Token: "tok-a"}), "alice@example.org", nil},
		{"oauthbearer no authzid", "OAUTHBEARER", sasl.NewOAuthBearerClient(
			&sasl.OAuthBearerOptions{Token: "tok-alias"}), "alice@example.org", nil},
		{"oauthbearer bad token", "OAUTHBEARER", sasl.NewOAuthBearerClient(
			&sasl.OAuthBearerOptions{Token: "bad"}), "", directory.ErrInvalidCredentials},
		{"oauthbearer other user", "OAUTHBEARER", sasl.NewOAuthBearerClient(
			&sasl.OAuthBearerOptions{Username: "root@example.org", Token: "tok-a"}),
			"", directory.ErrNotAuthorized},
		{"xoauth2", "XOAUTH2", &xoauth2Client{"alice@example.org", "tok-a"},
			"alice@example.org", nil},
		{"xoauth2 bad", "XOAUTH2", &xoauth2Client{"alice@example.org", "nope"},
			"", directory.ErrInvalidCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *directory.Principal
			s, err := directory.NewSASLServer(context.Background(), d, tc.mech,
				netip.MustParseAddr("192.0.2.1"), func(p *directory.Principal) { got = p })
			if err != nil {
				t.Fatal(err)
			}
			err = exchange(t, tc.client, s)
			if !errors.Is(err, tc.err) {
				t.Fatalf("%s: error = %v, want %v", tc.mech, err, tc.err)
			}
			if tc.err == nil && (got == nil || got.Name != tc.want) {
				t.Fatalf("%s: principal = %v, want %q", tc.mech, got, tc.want)
			}
			if tc.err != nil && got != nil {
				t.Fatalf("%s: done called after failure", tc.mech)
			}
		})
	}
}

type xoauth2Client struct{ user, token string }

func (c *xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c *xoauth2Client) Next([]byte) ([]byte, error) { return []byte{}, nil }

func TestSASLMalformed(t *testing.T) {
	d := newDir(t, directory.Options{Tokens: tokens{}})
	tests := []struct {
		mech string
		resp []string
	}{
		{"PLAIN", []string{"no-nul"}},
		{"PLAIN", []string{"\x00\x00pw"}},
		{"PLAIN", []string{"a\x00b\x00c\x00d"}},
		{"LOGIN", []string{"", ""}},
		{"OAUTHBEARER", []string{"garbage"}},
		{"OAUTHBEARER", []string{"p=tls-unique,,\x01auth=Bearer x\x01\x01"}},
		{"OAUTHBEARER", []string{"n,b=x,\x01auth=Bearer x\x01\x01"}},
		{"OAUTHBEARER", []string{"n,,\x01auth=Basic x\x01\x01"}},
		{"XOAUTH2", []string{"user=a\x01\x01"}},
	}
	for _, tc := range tests {
		s, err := directory.NewSASLServer(context.Background(), d, tc.mech, netip.Addr{},
			nil)
		if err != nil {
			t.Fatal(err)
		}
		var last error
		for _, r := range tc.resp {
			_, _, last = s.Next([]byte(r))
		}
		if !errors.Is(last, directory.ErrMalformed) {
			t.Errorf("%s %q: error = %v, want ErrMalformed", tc.mech, tc.resp, last)
		}
		if _, _, err := s.Next([]byte("more")); err == nil {
			t.Errorf("%s %q: response after the end accepted", tc.mech, tc.resp)
		}
	}
}

func TestSASLNoInitialResponse(t *testing.T) {
	d := newDir(t, cheap)
	s, _ := directory.NewSASLServer(context.Background(), d, "PLAIN", netip.Addr{}, nil)
	chal, done, err := s.Next(nil)
	if err != nil || done || len(chal) != 0 {
		t.Fatalf("PLAIN Next(nil) = %q, %v, %v, want empty challenge", chal, done, err)
	}
	if _, done, err = s.Next([]byte("\x00alice@example.org\x00alice-pw")); !done || err != nil {
		t.Fatalf("PLAIN after empty challenge = %v, %v", done, err)
	}
	s, _ = directory.NewSASLServer(context.Background(), d, "LOGIN", netip.Addr{}, nil)
	if chal, _, _ := s.Next(nil); string(chal) != "Username:" {
		t.Fatalf("LOGIN first challenge = %q, want Username:", chal)
	}
}

func TestSASLMechanisms(t *testing.T) {
	plain := newDir(t, cheap)
	tok := newDir(t, directory.Options{Tokens: tokens{}})
	tests := []struct {
		name string
		d    directory.Directory
		tls  bool
		want []string
	}{
		{"no tls", plain, false, nil},
		{"tls", plain, true, []string{"PLAIN", "LOGIN"}},
		{"tokens", tok, true, []string{"PLAIN", "LOGIN", "OAUTHBEARER", "XOAUTH2"}},
	}
	for _, tc := range tests {
		if got := directory.SASLMechanisms(tc.d, tc.tls); !slices.Equal(got, tc.want) {
			t.Errorf("SASLMechanisms(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, m := range []string{"CRAM-MD5", "OAUTHBEARER", "XOAUTH2"} {
		if _, err := directory.NewSASLServer(context.Background(), plain, m, netip.Addr{},
			nil); !errors.Is(err, directory.ErrUnsupportedMechanism) {
			t.Errorf("NewSASLServer(%s) error = %v, want ErrUnsupportedMechanism", m, err)
		}
	}
}

// FuzzSASL feeds arbitrary client responses to every mechanism.
func FuzzSASL(f *testing.F) {
	f.Add("PLAIN", []byte("\x00alice@example.org\x00alice-pw"), []byte(nil))
	f.Add("LOGIN", []byte("alice@example.org"), []byte("alice-pw"))
	f.Add("OAUTHBEARER", []byte("n,a=alice@example.org,\x01auth=Bearer tok-a\x01\x01"),
		[]byte{1})
	f.Add("XOAUTH2", []byte("user=alice@example.org\x01auth=Bearer x\x01\x01"), []byte{})
	f.Add("OAUTHBEARER", []byte("n,a=a=2Cb=3D,\x01host=x\x01auth=Bearer\x01\x01"), []byte(nil))
	d := newDir(f, directory.Options{Tokens: tokens{"tok-a": "alice@example.org"},
		RateLimit: directory.RateLimitOptions{Disabled: true}})
	f.Fuzz(func(t *testing.T, mech string, r1, r2 []byte) {
		s, err := directory.NewSASLServer(context.Background(), d, mech, netip.Addr{}, nil)
		if err != nil {
			return
		}
		for _, r := range [][]byte{r1, r2, r2} {
			if _, done, err := s.Next(r); done || err != nil {
				return
			}
		}
	})
}

func TestPasswordLength(t *testing.T) {
	d := newDir(t, directory.Options{MaxPasswordLength: 8})
	ctx := context.Background()
	for _, tc := range []struct {
		pw   string
		want error
	}{{"alice-pw", nil}, {"alice-pw!", directory.ErrInvalidCredentials}} {
		_, err := d.Authenticate(ctx, directory.Credentials{Username: "alice@example.org",
			Password: tc.pw})
		if !errors.Is(err, tc.want) {
			t.Errorf("Authenticate(%d octets) error = %v, want %v", len(tc.pw), err, tc.want)
		}
	}
}
