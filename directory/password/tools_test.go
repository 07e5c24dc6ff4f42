package password

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// needTool returns the path of a program that makes hashes, skipping the
// test when it is missing outside CI and failing in CI.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// run returns the first line a tool prints.
func run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(needTool(t, name), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v: %s", name, args, err, errb.String())
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	return strings.TrimSpace(line)
}

// checkVerify verifies a hash with the right and a wrong password.
func checkVerify(t *testing.T, o Options, stored, pw string) {
	t.Helper()
	ok, err := o.Verify(stored, pw)
	if err != nil || !ok {
		t.Errorf("Verify(%q, %q) = %v, %v, want true", stored, pw, ok, err)
	}
	ok, err = o.Verify(stored, pw+"x")
	if err != nil || ok {
		t.Errorf("Verify(%q, wrong) = %v, %v, want false", stored, ok, err)
	}
}

const toolPassword = "Tr0ub4dor &3 ünï"

func TestMkpasswd(t *testing.T) {
	for _, m := range []string{"bcrypt", "bcrypt-a", "sha512crypt", "sha256crypt",
		"md5crypt"} {
		t.Run(m, func(t *testing.T) {
			checkVerify(t, Options{}, run(t, "", "mkpasswd", "-m", m, toolPassword),
				toolPassword)
		})
	}
	t.Run("sha512crypt rounds", func(t *testing.T) {
		h := run(t, "", "mkpasswd", "-m", "sha512crypt", "-R", "7000", toolPassword)
		checkVerify(t, Options{}, h, toolPassword)
	})
}

func TestOpensslPasswd(t *testing.T) {
	for _, m := range []string{"-1", "-5", "-6", "-apr1"} {
		t.Run(m, func(t *testing.T) {
			h := run(t, toolPassword, "openssl", "passwd", m, "-stdin")
			checkVerify(t, Options{}, h, toolPassword)
		})
	}
}

func TestSlappasswd(t *testing.T) {
	for _, s := range []string{"{SSHA}", "{SHA}", "{MD5}", "{SMD5}"} {
		t.Run(s, func(t *testing.T) {
			checkVerify(t, Options{}, run(t, "", "slappasswd", "-h", s, "-s", toolPassword),
				toolPassword)
		})
	}
	t.Run("{CRYPT}", func(t *testing.T) {
		h := run(t, "", "slappasswd", "-h", "{CRYPT}", "-c", "$6$%.16s", "-s", toolPassword)
		checkVerify(t, Options{}, h, toolPassword)
	})
}

func TestDoveadm(t *testing.T) {
	schemes := []string{"SSHA", "SHA", "SHA1", "SSHA256", "SHA256", "SSHA512", "SHA512",
		"SMD5", "PLAIN-MD5", "LDAP-MD5", "MD5", "MD5-CRYPT", "SHA256-CRYPT",
		"SHA512-CRYPT", "BLF-CRYPT", "ARGON2I", "ARGON2ID", "PBKDF2", "SHA256.HEX",
		"SSHA.HEX", "PLAIN-MD5.B64", "CLEARTEXT", "PLAIN"}
	for _, s := range schemes {
		t.Run(s, func(t *testing.T) {
			h := run(t, "", "doveadm", "pw", "-s", s, "-p", toolPassword)
			o := Options{AllowPlaintext: s == "PLAIN" || s == "CLEARTEXT"}
			checkVerify(t, o, h, toolPassword)
		})
	}
	t.Run("plain refused", func(t *testing.T) {
		h := run(t, "", "doveadm", "pw", "-s", "PLAIN", "-p", toolPassword)
		if ok, err := Verify(h, toolPassword); ok || err == nil {
			t.Errorf("Verify(%q) without AllowPlaintext = %v, %v, want refusal", h, ok, err)
		}
	})
}

func TestArgon2Tool(t *testing.T) {
	for _, v := range []string{"-id", "-i"} {
		t.Run(v, func(t *testing.T) {
			h := run(t, toolPassword, "argon2", "somesaltsomesalt", v, "-t", "2", "-k",
				"1024", "-p", "2", "-e")
			checkVerify(t, Options{}, h, toolPassword)
		})
	}
}
