package sieve

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

const pigeonholeDir = "../../shared/testdata/sieve/pigeonhole"

// knownFailures lists suite files that do not pass yet, with the reason.
// Any other failing file fails the test.
var knownFailures = map[string]string{
	"tests/compile/errors.svtest":                    errCounts,
	"tests/extensions/variables/errors.svtest":       errCounts,
	"tests/extensions/include/errors.svtest":         errCounts,
	"tests/extensions/relational/errors.svtest":      errCounts,
	"tests/extensions/enotify/errors.svtest":         errCounts,
	"tests/extensions/editheader/errors.svtest":      errCounts,
	"tests/extensions/mime/errors.svtest":            errCounts,
	"tests/extensions/imap4flags/execute.svtest":     dovecotStore,
	"tests/extensions/imap4flags/multiscript.svtest": dovecotStore,
	"tests/extensions/imap4flags/flagstore.svtest":   dovecotStore,
	"tests/extensions/vacation/message.svtest": "the reply's To field names " +
		"the envelope sender; the suite expects the original From field even when " +
		"they differ (Pigeonhole's to_header_ignore_envelope behaviour)",
	"tests/extensions/enotify/mailto.svtest": "UTF-8 addresses in mailto URIs " +
		"are not encoded in the notification header",
	"tests/extensions/enotify/limits.svtest": "notify over the action limit " +
		"reports its own limit message; prohibiting notify after compile",
	"tests/extensions/editheader/protected.svtest": "Pigeonhole refuses to protect " +
		"Subject; we protect any configured field",
	"tests/extensions/vnd.dovecot/report/errors.svtest": "vnd.dovecot.report " +
		"(Dovecot's abuse reports) is an extension Bulwark does not offer",
	"tests/extensions/vnd.dovecot/report/execute.svtest": "vnd.dovecot.report " +
		"is an extension Bulwark does not offer",
}

const (
	errCounts = "checks the number and wording of Pigeonhole's own compile " +
		"error messages (its parser recovery reports more follow-up errors)"
	dovecotStore = "expects Dovecot mail storage behaviour: the $HasNoAttachment " +
		"keyword and implicit folder creation"
)

func TestPigeonhole(t *testing.T) {
	f, err := os.Open(filepath.Join(pigeonholeDir, "TESTS.tsv"))
	if err != nil {
		t.Skipf("pigeonhole suite not present: %v", err)
	}
	defer f.Close()
	type tally struct{ pass, total int }
	folders := map[string]*tally{}
	var failed []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		cols := strings.SplitN(line, "\t", 2)
		path, kind := cols[0], cols[1]
		if !strings.HasPrefix(kind, "standard") && kind != "expect-failure" {
			continue
		}
		folder := filepath.Dir(path)
		if folders[folder] == nil {
			folders[folder] = &tally{}
		}
		folders[folder].total++
		start := time.Now()
		fails := runSuiteFile(t, filepath.Join(pigeonholeDir, path))
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Logf("%s took %v", path, d)
		}
		ok := len(fails) == 0
		if kind == "expect-failure" {
			ok = !ok
		}
		if ok {
			folders[folder].pass++
			if _, known := knownFailures[path]; known {
				t.Logf("%s passes now; drop it from knownFailures", path)
			}
			continue
		}
		failed = append(failed, path+": "+strings.Join(fails, "; "))
		if _, known := knownFailures[path]; !known {
			t.Errorf("%s failed: %v", path, fails)
		}
	}
	var names []string
	pass, total := 0, 0
	for k, v := range folders {
		names = append(names, k)
		pass += v.pass
		total += v.total
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("%-40s %d/%d", k, folders[k].pass, folders[k].total)
	}
	t.Logf("total %d/%d", pass, total)
	if os.Getenv("SIEVE_VERBOSE") != "" {
		for _, f := range failed {
			if len(f) > 300 {
				f = f[:300]
			}
			t.Log("FAIL " + f)
		}
	}
}
