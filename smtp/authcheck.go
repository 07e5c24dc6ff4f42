package smtp

import (
	"context"
	"io"
	"log/slog"

	"github.com/bulwarkmail/bulwark/mailauth"
)

// AuthCheck applies sender authentication to inbound mail: SPF at MAIL
// FROM (RFC 7208), then DKIM (RFC 6376), ARC (RFC 8617) and DMARC
// (RFC 7489) once the message is in. It removes Authentication-Results
// fields that claim the Verifier's host name, writes its own (RFC 8601),
// and keeps the results in Envelope.Auth for later stages. The zero
// policy refuses what the sender's domain asks to reject and files in
// Junk what it asks to quarantine.
//
// Sessions of submission or LMTP servers and authenticated clients are
// not checked: their mail is ours or comes through a trusted MTA.
type AuthCheck struct {
	// Verifier runs the checks; its Hostname is the authserv-id.
	// Required.
	Verifier *mailauth.Verifier
	// RejectSPFFail refuses MAIL FROM with "550 5.7.23" when SPF fails
	// (RFC 7372, section 3.2). Default false: DMARC decides.
	RejectSPFFail bool
	// AcceptDMARCReject files messages whose DMARC disposition is
	// reject in Junk instead of refusing them with "550 5.7.1".
	AcceptDMARCReject bool
	// IgnoreDMARCQuarantine files quarantined messages in the inbox.
	IgnoreDMARCQuarantine bool
	// Aggregator, when set, collects DMARC aggregate report records.
	Aggregator *mailauth.Aggregator
	// MaxHeaderBytes bounds the header section read. Default 1 MiB.
	MaxHeaderBytes int
	// Logger receives the results. Nil discards.
	Logger *slog.Logger
}

// Hooks returns next with the checks run before its Mail and Message
// stages; the other stages are next's.
func (a *AuthCheck) Hooks(next Hooks) Hooks {
	mail, message := next.Mail, next.Message
	next.Mail = func(ctx context.Context, s *Session, env *Envelope) error {
		if err := a.checkMail(ctx, s, env); err != nil {
			return err
		}
		if mail != nil {
			return mail(ctx, s, env)
		}
		return nil
	}
	next.Message = func(ctx context.Context, m *Message) error {
		if err := a.checkMessage(ctx, m); err != nil {
			return err
		}
		if message != nil {
			return message(ctx, m)
		}
		return nil
	}
	return next
}

func (a *AuthCheck) applies(s *Session) bool {
	return s.Mode == ModeInbound && s.Principal == nil
}

// checkMail evaluates SPF for the reverse-path, or for the HELO identity
// when the reverse-path is null (RFC 7208, section 2.4).
func (a *AuthCheck) checkMail(ctx context.Context, s *Session, env *Envelope) error {
	if !a.applies(s) {
		return nil
	}
	spf := a.Verifier.CheckSPF(ctx, s.Remote.Addr().Unmap(), s.Hello, env.ReversePath)
	env.Auth = &mailauth.Results{SPF: spf}
	if spf.Result == mailauth.SPFFail && a.RejectSPFFail {
		text := "SPF check failed for " + spf.Domain
		if spf.Explanation != "" {
			text += ": " + spf.Explanation
		}
		return Reject(550, EnhancedCode{5, 7, 23}, text)
	}
	return nil
}

// checkMessage verifies the message, writes Authentication-Results and
// applies the DMARC disposition (RFC 7489, section 6.6.2).
func (a *AuthCheck) checkMessage(ctx context.Context, m *Message) error {
	if !a.applies(m.Session) || m.Envelope.Auth == nil {
		return nil
	}
	max := a.MaxHeaderBytes
	if max <= 0 {
		max = 1 << 20
	}
	authserv := a.Verifier.Hostname
	m.Filter(func(r io.Reader) io.Reader { return stripForged(r, authserv, max) })
	res, err := a.Verifier.Verify(ctx, m.Reader(), m.Envelope.Auth.SPF)
	if err != nil {
		return Reject(554, EnhancedCode{5, 6, 0}, "Message header cannot be read")
	}
	m.Envelope.Auth = res
	m.AddHeader("Authentication-Results", mailauth.AuthResultsValue(authserv, res))
	if a.Aggregator != nil {
		a.Aggregator.Add(res.DMARC)
	}
	a.log(ctx, m, res)
	switch res.DMARC.Disposition {
	case mailauth.PolicyReject:
		if !a.AcceptDMARCReject {
			return Reject(550, EnhancedCode{5, 7, 1},
				"Message refused by the DMARC policy of "+res.DMARC.FromDomain)
		}
		m.Envelope.Quarantine = true
	case mailauth.PolicyQuarantine:
		m.Envelope.Quarantine = !a.IgnoreDMARCQuarantine
	}
	return nil
}

// stripForged returns r without the Authentication-Results fields that
// claim authserv (RFC 8601, section 5); a read failure surfaces through
// the returned reader.
func stripForged(r io.Reader, authserv string, max int) io.Reader {
	out, _, err := mailauth.StripForged(r, authserv, max)
	if err != nil {
		return errReader{err}
	}
	return out
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (a *AuthCheck) log(ctx context.Context, m *Message, res *mailauth.Results) {
	if a.Logger == nil {
		return
	}
	a.Logger.LogAttrs(ctx, slog.LevelInfo, "smtp authentication results",
		slog.String("conn", m.Session.ID), slog.String("msg", m.ID),
		slog.String("spf", string(res.SPF.Result)),
		slog.Int("dkim", len(res.DKIM)),
		slog.String("dmarc", string(res.DMARC.Status)),
		slog.String("disposition", string(res.DMARC.Disposition)))
}
