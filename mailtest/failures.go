package mailtest

import (
	"context"
	"strings"
	"sync"

	"github.com/bulwarkmail/bulwark/smtp"
)

// failures holds the replies injected for chosen recipients.
type failures struct {
	mu    sync.Mutex
	rules map[string]*failure
}

// failure is one injected reply; left counts the RCPT commands it still
// answers, negative for all of them.
type failure struct {
	err  *smtp.Error
	left int
}

func newFailures() *failures { return &failures{rules: make(map[string]*failure)} }

// FailRecipient makes every later RCPT TO for address, on the SMTP and
// submission ports, answer code (4xx defers, 5xx rejects; RFC 5321,
// section 4.2) with text. The enhanced status code is class.0.0
// (RFC 3463, section 3.1). A code outside 400-599 becomes 550.
func (s *Server) FailRecipient(address string, code int, text string) {
	s.FailRecipientN(address, -1, code, text)
}

// FailRecipientN is FailRecipient for the next n RCPT TO commands only,
// after which the address is accepted again: 451 once, then success, is
// greylisting as a client sees it.
func (s *Server) FailRecipientN(address string, n, code int, text string) {
	s.fails.set(address, n, code, text)
}

// set makes the next n RCPT TO commands for address (n < 0: all) answer
// code and text.
func (f *failures) set(address string, n, code int, text string) {
	if code < 400 || code > 599 {
		code = 550
	}
	class := code / 100
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules[accountName(address)] = &failure{
		err:  &smtp.Error{Code: code, EnhancedCode: smtp.EnhancedCode{class, 0, 0}, Message: text},
		left: n,
	}
}

// ClearFailures removes every injected reply.
func (s *Server) ClearFailures() {
	s.fails.mu.Lock()
	defer s.fails.mu.Unlock()
	clear(s.fails.rules)
}

// rcpt is the Rcpt hook that answers the injected replies.
func (f *failures) rcpt(_ context.Context, _ *smtp.Session, _ *smtp.Envelope,
	r *smtp.Recipient) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	rule, ok := f.rules[strings.ToLower(r.Address)]
	if !ok || rule.left == 0 {
		return nil
	}
	if rule.left > 0 {
		rule.left--
	}
	e := *rule.err
	return &e
}
