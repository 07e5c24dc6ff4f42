package imap

import "strings"

type lineResult struct {
	line string
	err  error
}

// cmdIdle runs IDLE (RFC 2177, RFC 9051 section 6.3.13): changes are
// reported as they happen until the client sends DONE.
func (s *session) cmdIdle(cmd *command) error {
	s.update(true)
	s.c.enc.Raw("+ idling").CRLF()
	if err := s.c.flush(); err != nil {
		return err
	}
	lines := make(chan lineResult, 1)
	go func() {
		line, err := s.c.dec.ReadLine()
		lines <- lineResult{line, err}
	}()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.events = nil
				continue
			}
			s.noteEvent(ev)
			s.update(true)
			s.refreshContexts()
			if err := s.c.flush(); err != nil {
				_ = s.c.nc.Close()
				<-lines
				return &Error{Type: StatusBYE, Text: "Connection lost"}
			}
		case ev, ok := <-s.sharedEvents():
			// A selected mailbox of another account changes by its
			// owner's events.
			if !ok {
				s.shared.events = nil
				continue
			}
			s.noteShared(ev)
			s.update(true)
			s.refreshContexts()
			if err := s.c.flush(); err != nil {
				_ = s.c.nc.Close()
				<-lines
				return &Error{Type: StatusBYE, Text: "Connection lost"}
			}
		case r := <-lines:
			return s.idleDone(r)
		}
	}
}

func (s *session) idleDone(r lineResult) error {
	switch {
	case r.err != nil && s.c.isStopping():
		return &Error{Type: StatusBYE, Text: "Server shutting down"}
	case r.err != nil && isTimeout(r.err):
		return &Error{Type: StatusBYE, Text: "Autologout; idle for too long"}
	case r.err != nil:
		s.st = stateLogout
		return &Error{Type: StatusBYE, Text: "Connection lost"}
	case !strings.EqualFold(strings.TrimSpace(r.line), "DONE"):
		return errBad("", "Expected DONE")
	}
	return nil
}
