package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAccountAddRefusesEmptyPassword: an account whose password is empty
// could never log in, so account add refuses it.
func TestAccountAddRefusesEmptyPassword(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildServer(t)
	data := t.TempDir()
	out, err := exec.Command(bin, "-data", data, "account", "add", "zoe@example.test", "").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "empty password") {
		t.Errorf("account add with an empty password: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "-data", data, "account", "list").CombinedOutput()
	if err != nil || strings.Contains(string(out), "zoe@") {
		t.Errorf("account list after the refusal: %v\n%s", err, out)
	}
}
