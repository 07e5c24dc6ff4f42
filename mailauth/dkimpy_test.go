package mailauth

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// dkimpyScript verifies the messages of a JSON list read from standard
// input with Debian's python3-dkim, answering key lookups from each item's
// records, and prints one line per item: "ok" or the failure.
const dkimpyScript = `
import sys, json, base64, dkim
for item in json.load(sys.stdin):
    recs = item['recs']
    def dnsfunc(name, timeout=5, recs=recs):
        n = name.decode() if isinstance(name, bytes) else name
        v = recs.get(n.rstrip('.').lower())
        return v.encode() if v is not None else None
    msg = base64.b64decode(item['msg'])
    try:
        if item['mode'] == 'arc':
            cv, results, comment = dkim.arc_verify(msg, dnsfunc=dnsfunc)
            ok, detail = cv == b'pass', comment
        else:
            d = dkim.DKIM(msg)
            n = sum(1 for k, v in d.headers if k.lower() == b'dkim-signature')
            ok = n > 0 and all(d.verify(idx=i, dnsfunc=dnsfunc) for i in range(n))
            detail = '%d signatures' % n
    except Exception as e:
        ok, detail = False, repr(e)
    print('ok' if ok else 'FAIL: %s' % detail)
`

// pyCheck is one message for python3-dkim to verify.
type pyCheck struct {
	Label string            `json:"-"`
	Mode  string            `json:"mode"` // "dkim" or "arc"
	Msg   []byte            `json:"msg"`
	Recs  map[string]string `json:"recs"` // TXT name -> record
}

// dkimpyVerifyAll verifies every check in one python3-dkim run and fails
// the test for each one that does not pass.
func dkimpyVerifyAll(t *testing.T, checks []pyCheck) {
	t.Helper()
	for i, l := range dkimpyRun(t, checks) {
		if l != "ok" {
			t.Errorf("python3-dkim on %s: %s", checks[i].Label, l)
		}
	}
}

// dkimpyRun verifies every check in one python3-dkim run and returns its
// answer for each: "ok" or the failure.
func dkimpyRun(t *testing.T, checks []pyCheck) []string {
	t.Helper()
	py := dkimpyPython(t)
	js, err := json.Marshal(checks)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", dkimpyScript)
	cmd.Stdin = bytes.NewReader(js)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-dkim: %v: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(checks) {
		t.Fatalf("python3-dkim answered %d lines for %d checks", len(lines), len(checks))
	}
	return lines
}

// dkimpyPython returns the interpreter that runs dkimverify, skipping the
// test when python3-dkim is missing outside CI.
func dkimpyPython(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("dkimverify")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("dkimverify (Debian python3-dkim) is not installed")
		}
		t.Fatal("dkimverify (Debian python3-dkim) is required in CI")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	interp := strings.TrimSpace(strings.TrimPrefix(line, "#!"))
	if fields := strings.Fields(interp); len(fields) > 0 {
		return fields[len(fields)-1]
	}
	t.Fatal("cannot read dkimverify's interpreter")
	return ""
}
