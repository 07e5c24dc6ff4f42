package mailtest_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailtest"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	c := mailtest.NewClock(start)
	var woken atomic.Int32
	c.OnMove(func() { woken.Add(1) })
	now := c.Now // as a Now option takes it
	steps := []struct {
		move func()
		want time.Time
	}{
		{func() {}, start},
		{func() { c.Advance(2 * time.Minute) }, start.Add(2 * time.Minute)},
		{func() { c.Advance(5 * 24 * time.Hour) }, start.Add(5*24*time.Hour + 2*time.Minute)},
		{func() { c.Set(start) }, start},
	}
	for i, s := range steps {
		s.move()
		if got := now(); !got.Equal(s.want) {
			t.Errorf("step %d: Now = %v, want %v", i, got, s.want)
		}
	}
	if n := woken.Load(); n != 3 {
		t.Errorf("OnMove ran %d times, want 3", n)
	}
}
