package bolt_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
)

const crashEnv = "BULWARK_BOLT_CRASH_FILE"

// TestMain turns the test binary into TestCrash's writer when it is
// re-executed with crashEnv set.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild writes until it is killed, printing each durable commit.
func crashChild(path string) {
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				var n uint64
				err := db.Update(context.Background(), func(tx store.Tx) error {
					var err error
					if n, err = tx.Add("ctr", []byte("n"), 1); err != nil {
						return err
					}
					k := binary.BigEndian.AppendUint64(nil, n)
					if err := tx.Put("a", k, make([]byte, 100+int(n%3000))); err != nil {
						return err
					}
					return tx.Put("b", k, k)
				})
				if err != nil {
					fmt.Println("error", err)
					os.Exit(2)
				}
				// Report only once the commit is durable.
				mu.Lock()
				fmt.Println("committed", n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrash kills a process in the middle of concurrent writes and
// checks that the reopened file holds every acknowledged commit, each
// one whole.
func TestCrash(t *testing.T) {
	for round := range 3 {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crash.db")
			acked := runAndKill(t, path, time.Duration(100+150*round)*time.Millisecond)
			checkAfterCrash(t, path, acked)
		})
	}
}

// runAndKill runs the child until it has acknowledged commits for d, then
// kills it with SIGKILL and returns the acknowledged counter values.
func runAndKill(t *testing.T, path string, d time.Duration) map[uint64]bool {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	acked := make(map[uint64]bool)
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(30 * time.Second)
	var killAt time.Time
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatalf("child: %s", line)
		}
		if v, ok := strings.CutPrefix(line, "committed "); ok {
			n, _ := strconv.ParseUint(v, 10, 64)
			acked[n] = true
			if killAt.IsZero() {
				killAt = time.Now().Add(d)
			}
		}
		if !killAt.IsZero() && time.Now().After(killAt) || time.Now().After(deadline) {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill child: %v", err)
	}
	cmd.Wait()
	if len(acked) == 0 {
		t.Fatalf("child acknowledged no commit")
	}
	return acked
}

func checkAfterCrash(t *testing.T, path string, acked map[uint64]bool) {
	t.Helper()
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("reopen raw: %v", err)
	}
	err = raw.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt consistency check: %v", err)
		}
		return nil
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(tx store.Tx) error {
		top, err := tx.Counter("ctr", []byte("n"))
		if err != nil {
			return err
		}
		for n := range acked {
			if n > top {
				t.Errorf("acknowledged commit %d lost: counter is %d", n, top)
			}
		}
		// Every commit up to the counter is present in both spaces.
		for n := uint64(1); n <= top; n++ {
			k := binary.BigEndian.AppendUint64(nil, n)
			a, errA := tx.Get("a", k)
			b, errB := tx.Get("b", k)
			if errA != nil || errB != nil || len(a) != 100+int(n%3000) || string(b) != string(k) {
				t.Errorf("commit %d is torn: a=%d bytes %v, b=%x %v", n, len(a), errA, b, errB)
			}
		}
		t.Logf("%d commits acknowledged, %d found", len(acked), top)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
