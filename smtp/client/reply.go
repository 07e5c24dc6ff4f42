package client

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// maxReplyLines bounds the lines of one reply read from a remote.
const maxReplyLines = 128

// readReply reads one reply, single or multi-line (RFC 5321, section
// 4.2.1), and splits off the enhanced status code (RFC 2034) of each
// line.
func readReply(br *bufio.Reader, host string) (*Error, error) {
	r := &Error{Host: host}
	for i := 0; i < maxReplyLines; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read reply: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 3 {
			return nil, fmt.Errorf("read reply: short line %q", line)
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil || code < 200 || code > 599 {
			return nil, fmt.Errorf("read reply: bad code in %q", line)
		}
		if r.Code != 0 && code != r.Code {
			return nil, fmt.Errorf("read reply: code changed in %q", line)
		}
		r.Code = code
		more := len(line) > 3 && line[3] == '-'
		text := ""
		if len(line) > 4 {
			text = line[4:]
		}
		status, rest := splitStatus(text, code)
		if r.Status == "" {
			r.Status = status
		}
		r.Lines = append(r.Lines, rest)
		if !more {
			return r, nil
		}
	}
	return nil, fmt.Errorf("read reply: more than %d lines", maxReplyLines)
}

// splitStatus separates a leading enhanced status code whose class
// matches the reply code's.
func splitStatus(text string, code int) (status, rest string) {
	word, after, _ := strings.Cut(text, " ")
	if !validStatus(word) || int(word[0]-'0') != code/100 {
		return "", text
	}
	return word, after
}

// validStatus reports whether s reads class.subject.detail (RFC 3463,
// section 2).
func validStatus(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.ContainsAny(parts[0], "245") {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) == 0 || len(p) > 3 {
			return false
		}
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}
