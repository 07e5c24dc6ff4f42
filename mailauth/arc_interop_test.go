package mailauth

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"
)

// arcpyScript runs ARC operations with python3-dkim, one per item of a
// JSON list on standard input, and prints a JSON list of answers: for
// "sign" the new ARC set, for "verify" the chain status and whether each
// instance's ARC-Message-Signature validated.
const arcpyScript = `
import sys, json, base64, dkim
out = []
for item in json.load(sys.stdin):
    msg = base64.b64decode(item['msg'])
    if item['op'] == 'sign':
        hdrs = dkim.arc_sign(msg, item['selector'].encode(), item['domain'].encode(),
                             item['key'].encode(), item['srv'].encode(),
                             timestamp=item['t'])
        out.append({'set': b''.join(hdrs).decode()})
        continue
    recs = item['recs']
    def dnsfunc(name, timeout=5, recs=recs):
        n = name.decode() if isinstance(name, bytes) else name
        v = recs.get(n.rstrip('.').lower())
        return v.encode() if v is not None else None
    cv, results, comment = dkim.arc_verify(msg, dnsfunc=dnsfunc)
    out.append({'cv': cv.decode() if cv else 'ended', 'comment': comment,
                'ams': {str(r['instance']): bool(r['ams-valid']) for r in results}})
print(json.dumps(out))
`

// arcpyOp is one request to arcpyScript.
type arcpyOp struct {
	Op       string            `json:"op"` // "sign" or "verify"
	Msg      []byte            `json:"msg"`
	Selector string            `json:"selector,omitempty"`
	Domain   string            `json:"domain,omitempty"`
	Key      string            `json:"key,omitempty"` // PKCS#1 PEM
	Srv      string            `json:"srv,omitempty"` // authserv-id
	T        int64             `json:"t,omitempty"`
	Recs     map[string]string `json:"recs,omitempty"`
}

// arcpyAnswer is the answer to one arcpyOp.
type arcpyAnswer struct {
	Set     string          `json:"set"`
	CV      string          `json:"cv"`
	Comment string          `json:"comment"`
	AMS     map[string]bool `json:"ams"`
}

// arcpy runs one operation with python3-dkim; it skips the test when
// what the operation needs is missing outside CI.
func arcpy(t *testing.T, op arcpyOp) arcpyAnswer {
	t.Helper()
	py := dkimpyPython(t)
	if op.Op == "sign" {
		needAuthres(t, py)
	}
	js, err := json.Marshal([]arcpyOp{op})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", arcpyScript)
	cmd.Stdin = bytes.NewReader(js)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-dkim %s: %v: %s", op.Op, err, stderr.String())
	}
	var answers []arcpyAnswer
	if err := json.Unmarshal(out, &answers); err != nil || len(answers) != 1 {
		t.Fatalf("python3-dkim answered %q: %v", out, err)
	}
	return answers[0]
}

// needAuthres skips the test when python3-authres, which python3-dkim
// needs to seal ARC sets, is missing outside CI.
func needAuthres(t *testing.T, py string) {
	t.Helper()
	if err := exec.Command(py, "-c", "import authres").Run(); err == nil {
		return
	}
	if os.Getenv("CI") == "" {
		t.Skip("python3-authres, which python3-dkim needs to seal ARC sets, is missing")
	}
	t.Fatal("python3-authres is required in CI")
}

// pyOldestPass computes the oldest-pass value from python3-dkim's
// per-instance ARC-Message-Signature results.
func pyOldestPass(a arcpyAnswer, n int) int {
	for i := n - 1; i >= 1; i-- {
		if !a.AMS[strconv.Itoa(i)] {
			return i + 1
		}
	}
	return 0
}

// TestARCInteropPython builds a chain of four sets, alternating sealers:
// python3-dkim, this package, this package after changing the body, and
// python3-dkim again. After each hop both sides validate the chain and
// agree on its status and on the oldest instance that still passes.
func TestARCInteropPython(t *testing.T) {
	hops := []struct {
		domain string
		python bool
		change string // appended to the body before the hop seals
	}{
		{"lists.example", true, ""},
		{"relay.example", false, ""},
		{"final.example", false, "-- \r\nfooter added in transit\r\n"},
		{"archive.example", true, ""},
	}
	zones := map[string]mockdns.Zone{}
	recs := map[string]string{}
	keys := map[string]*rsa.PrivateKey{}
	for _, h := range hops {
		keys[h.domain] = newRSAKey(t)
		name := "arc._domainkey." + h.domain
		rec := keyRecord(t, keys[h.domain])
		addTXT(zones, name, rec)
		recs[name] = rec
	}
	v := newVerifier(zones)
	msg := []byte(forwardedMsg)
	wantOldest := []int{0, 0, 3, 3}
	for i, h := range hops {
		var res *Results
		if i > 0 {
			res = verifyMsg(t, v, msg)
			if res.ARC.Status != ARCPass {
				t.Fatalf("hop %d receives a failed chain: %+v", i+1, res.ARC)
			}
		} else {
			res = &Results{SPF: SPFCheck{Result: SPFPass, Identity: SPFIdentityMailFrom,
				Sender: "ann@origin.example"}}
		}
		msg = append(msg, h.change...)
		ar := AuthResultsValue(h.domain, res)
		var set string
		if h.python {
			// python3-dkim takes the chain status from this host's
			// Authentication-Results field.
			in := append([]byte(AuthResultsField+": "+ar+"\r\n"), msg...)
			set = arcpy(t, arcpyOp{Op: "sign", Msg: in, Selector: "arc", Domain: h.domain,
				Key: pkcs1PEM(keys[h.domain]), Srv: h.domain, T: fixedNow().Unix()}).Set
		} else {
			s := &Sealer{Domain: h.domain, Selector: "arc", Key: keys[h.domain], Now: fixedNow}
			var err error
			if set, err = s.Seal(bytes.NewReader(msg), res.ARC, ar); err != nil {
				t.Fatalf("hop %d: Seal: %v", i+1, err)
			}
		}
		if !strings.HasPrefix(set, "ARC-Seal: i="+strconv.Itoa(i+1)) {
			t.Fatalf("hop %d sealed %q", i+1, set)
		}
		msg = append([]byte(set), msg...)

		got := verifyMsg(t, v, msg).ARC
		py := arcpy(t, arcpyOp{Op: "verify", Msg: msg, Recs: recs})
		if got.Status != ARCPass || got.Instance != i+1 || got.Domain != h.domain ||
			got.OldestPass != wantOldest[i] {
			t.Errorf("after hop %d: %+v, want pass at %d by %s, oldest pass %d", i+1, got,
				i+1, h.domain, wantOldest[i])
		}
		if py.CV != "pass" || pyOldestPass(py, i+1) != got.OldestPass {
			t.Errorf("after hop %d python3-dkim: cv %s (%s), AMS %v; we say oldest pass %d",
				i+1, py.CV, py.Comment, py.AMS, got.OldestPass)
		}
	}
	res := verifyMsg(t, v, msg)
	if ar := v.AuthenticationResults(res); !strings.Contains(ar, "arc=pass header.oldest-pass=3") {
		t.Errorf("Authentication-Results lacks the oldest pass:\n%s", ar)
	}

	bad := append(bytes.Clone(msg), "changed after the last seal\r\n"...)
	got := verifyMsg(t, v, bad).ARC
	py := arcpy(t, arcpyOp{Op: "verify", Msg: bad, Recs: recs})
	if got.Status != ARCFail || py.CV != "fail" {
		t.Errorf("body changed after the last seal: we say %s, python3-dkim %s (%s)",
			got.Status, py.CV, py.Comment)
	}
}

func pkcs1PEM(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}
