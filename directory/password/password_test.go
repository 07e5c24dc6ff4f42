package password

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestPasslibFixtures(t *testing.T) {
	f, err := os.Open("testdata/passlib.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	n := 0
	for s.Scan() {
		line := s.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("bad fixture line %q", line)
		}
		n++
		t.Run(parts[0], func(t *testing.T) { checkVerify(t, Options{}, parts[2], parts[1]) })
	}
	if n < 10 {
		t.Fatalf("read %d fixtures, want at least 10", n)
	}
}

func TestHashRoundTrip(t *testing.T) {
	o := Options{Argon2: Argon2Params{Time: 1, Memory: 256, Threads: 1}}
	h, err := o.Hash("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=256,t=1,p=1$") {
		t.Errorf("Hash = %q, want an argon2id PHC string", h)
	}
	checkVerify(t, Options{}, h, "s3cret")
	h2, _ := o.Hash("s3cret")
	if h == h2 {
		t.Errorf("two hashes of one password are equal: salt not random")
	}
	r, err := HashRandom("app-secret")
	if err != nil {
		t.Fatal(err)
	}
	checkVerify(t, Options{}, r, "app-secret")
}

func TestDefaultsArgon2id(t *testing.T) {
	h, err := Hash("x")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %q, %v, want argon2id at the default cost", h, err)
	}
}

func TestRejects(t *testing.T) {
	tests := []struct{ name, stored string }{
		{"bare text", "secret"},
		{"empty", ""},
		{"unknown dollar", "$9$abc$def"},
		{"unknown prefix", "{NOPE}abc"},
		{"unclosed prefix", "{SSHA"},
		{"bad base64", "{SSHA}!!!!"},
		{"short digest", "{SHA}AAAA"},
		{"argon2 no version", "$argon2id$m=16,t=1,p=1$c2FsdA$aGFzaA"},
		{"argon2 huge memory", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA"},
		{"argon2 zero time", "$argon2id$v=19$m=64,t=0,p=1$c2FsdA$aGFzaA"},
		{"scrypt huge", "$scrypt$ln=40,r=8,p=1$c2FsdA$aGFzaA"},
		{"pbkdf2 rounds", "$pbkdf2-sha256$999999999$c2FsdA$aGFzaA"},
		{"bcrypt broken", "$2b$99$abc"},
		{"crypt broken", "$6$"},
		{"dovecot pbkdf2", "{PBKDF2}$1$salt$x$zz"},
		{"plain not allowed", "{PLAIN}secret"},
		{"crypt des", "{CRYPT}abJnggxhB/yWI"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := Verify(tc.stored, "secret")
			if ok || err == nil {
				t.Errorf("Verify(%q, secret) = %v, %v, want false and an error", tc.stored, ok, err)
			}
		})
	}
}

func TestPlaintextOption(t *testing.T) {
	o := Options{AllowPlaintext: true}
	checkVerify(t, o, "secret", "secret")
	checkVerify(t, o, "{PLAIN}secret", "secret")
	checkVerify(t, o, "{cleartext}secret", "secret")
}

// FuzzVerify feeds arbitrary stored values to the scheme parsers.
func FuzzVerify(f *testing.F) {
	data, err := os.ReadFile("testdata/passlib.tsv")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if p := strings.Split(line, "\t"); len(p) == 3 {
			f.Add(p[2], p[1])
		}
	}
	f.Add("{PBKDF2}$1$xwSpm768rNawKa.e$5000$ddea8b96567ff29b8d442bb77a83df985389a8d7", "x")
	f.Add("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x")
	f.Add("{SHA256.HEX}00", "")
	f.Fuzz(func(t *testing.T, stored, pw string) {
		if cheap(stored) {
			_, _ = Options{AllowPlaintext: true}.Verify(stored, pw)
		}
	})
}

// cheap keeps the fuzzer away from cost parameters that the limits allow
// but that take seconds per call: every number at most 20000, argon2
// passes, scrypt's log N and bcrypt's cost small.
func cheap(s string) bool {
	if len(s) > 400 {
		return false
	}
	n, last := 0, byte(0)
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
			if n > 20000 {
				return false
			}
			continue
		}
		if (last == 't' || last == 'n' || last == '$') && n > 12 {
			return false
		}
		if i < len(s) {
			last, n = s[i], 0
			if s[i] == '=' && i > 0 {
				last = s[i-1]
			}
		}
	}
	return true
}

func BenchmarkVerifyArgon2idDefault(b *testing.B) {
	h, _ := Hash("password")
	for b.Loop() {
		_, _ = Verify(h, "password")
	}
}

func BenchmarkVerifySSHA512(b *testing.B) {
	h, _ := HashRandom("password")
	for b.Loop() {
		_, _ = Verify(h, "password")
	}
}
