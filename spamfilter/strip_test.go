package spamfilter

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestStripHeaders(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"forged fields",
			"From: a@b\r\nX-Spam-Status: No,\r\n\tscore=-100\r\nx-spam-flag: NO\r\n" +
				"Subject: hi\r\n\r\nX-Spam-Status: body line stays\r\n",
			"From: a@b\r\nSubject: hi\r\n\r\nX-Spam-Status: body line stays\r\n"},
		{"nothing to strip", "From: a@b\r\n\r\nbody\r\n", "From: a@b\r\n\r\nbody\r\n"},
		{"no body", "X-Spam-Score: 1\nSubject: x\n", "Subject: x\n"},
		{"lf endings", "X-Spam-Score : 1\n folded\nTo: c\n\nbody", "To: c\n\nbody"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := io.ReadAll(StripHeaders(strings.NewReader(tc.in), HeaderNames(), 0))
			if err != nil || string(got) != tc.want {
				t.Errorf("StripHeaders(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	huge := "X-Long: " + strings.Repeat("a", 5000) + "\r\n\r\nbody"
	_, err := io.ReadAll(StripHeaders(strings.NewReader(huge), HeaderNames(), 1000))
	if !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("header over the limit: %v, want ErrHeaderTooLarge", err)
	}
}

func TestStripHeadersRemovedCount(t *testing.T) {
	many := strings.Repeat("X-Spam-Flag: NO\r\n", 100) + "\r\nbody"
	_, err := io.ReadAll(StripHeaders(strings.NewReader(many), HeaderNames(), 1000))
	if !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("1700 bytes of removed fields under a 1000 byte limit: %v, want "+
			"ErrHeaderTooLarge", err)
	}
}
