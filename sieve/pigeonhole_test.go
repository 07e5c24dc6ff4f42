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
var knownFailures = map[string]string{}

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
			continue
		}
		failed = append(failed, path+": "+strings.Join(fails, "; "))
		if _, known := knownFailures[path]; !known && os.Getenv("SIEVE_STRICT") != "" {
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
