package mailauth

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"
)

// ErrHeaderTooLarge is returned by Verify, Sign and Seal when the header
// section of a message exceeds the configured maximum.
var ErrHeaderTooLarge = errors.New("mailauth: header section too large")

// Verifier runs the receiver side checks. Its zero value is usable but
// resolves through the system resolver; a server passes a Cache.
type Verifier struct {
	// Resolver answers every DNS query. Nil means net.DefaultResolver.
	Resolver Resolver
	// Hostname is the authserv-id written in Authentication-Results and
	// the "r" SPF macro (RFC 8601, section 2.5; RFC 7208, section 7.3).
	// Default "localhost" for the former and "unknown" for the latter.
	Hostname string
	// Logger receives debug events. Nil discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// SPFMaxLookups is the DNS-querying term limit of one SPF evaluation.
	// Default and RFC 7208 (section 4.6.4) value: 10.
	SPFMaxLookups int
	// SPFMaxVoidLookups is the limit on lookups answering nothing.
	// Default and RFC 7208 (section 4.6.4) value: 2.
	SPFMaxVoidLookups int
	// SPFHELOCacheTTL is how long a HELO identity result is kept for
	// the client address and name that produced it, so that a session
	// checks its HELO once (RFC 7208, section 2.3). Default 10 minutes;
	// negative turns the cache off.
	SPFHELOCacheTTL time.Duration
	// SPFHELOCacheSize bounds the HELO results kept. Default 4096.
	SPFHELOCacheSize int
	// MaxHeaderBytes bounds the header section read by Verify.
	// Default 1 MiB.
	MaxHeaderBytes int
	// MaxSignatures bounds the DKIM signatures verified per message; the
	// rest are reported as permerror. Default 10.
	MaxSignatures int
	// MaxARCSets bounds the ARC chain length. Default and RFC 8617
	// (section 4.2.1) value: 50.
	MaxARCSets int
	// Sample decides whether a message falls within a DMARC pct= sample:
	// it gets pct (0-100) and reports whether to apply the policy. Nil
	// samples at random.
	Sample func(pct int) bool

	helo heloCache
}

func (v *Verifier) resolver() Resolver {
	if v.Resolver == nil {
		return net.DefaultResolver
	}
	return v.Resolver
}

func (v *Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

func (v *Verifier) logger() *slog.Logger {
	if v.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return v.Logger
}

func (v *Verifier) sample(pct int) bool {
	if pct >= 100 {
		return true
	}
	if v.Sample != nil {
		return v.Sample(pct)
	}
	return rand.IntN(100) < pct
}

// Results gathers what Verify found about one message.
type Results struct {
	// SPF is the result given to Verify, computed at MAIL FROM.
	SPF SPFCheck
	// DKIM holds one result per DKIM-Signature field, top first.
	DKIM []DKIMResult
	// ARC is the result of the ARC chain validation.
	ARC ARCResult
	// DMARC is the DMARC evaluation for the RFC 5322 From domain.
	DMARC DMARCResult
}

// Verify reads a message and checks its DKIM signatures, its ARC chain and
// its DMARC policy, given the SPF result of the transaction. The body is
// streamed through the hashes; only the header section is held, up to
// MaxHeaderBytes. An error is returned only when the message cannot be
// read; authentication failures are results.
func (v *Verifier) Verify(ctx context.Context, msg io.Reader, spf SPFCheck) (*Results, error) {
	br := bufio.NewReader(msg)
	h, err := readHeader(br, orDefault(v.MaxHeaderBytes, 1<<20))
	if err != nil {
		return nil, err
	}
	dv := v.newDKIMVerification(ctx, h)
	arc := v.newARCVerification(ctx, h)
	if err := hashBody(br, append(dv.bodyHashers(), arc.bodyHashers()...)); err != nil {
		return nil, err
	}
	res := &Results{SPF: spf, DKIM: dv.finish(ctx), ARC: arc.finish(ctx)}
	res.DMARC = v.CheckDMARC(ctx, DMARCInput{
		FromHeader: h,
		SPF:        spf,
		DKIM:       res.DKIM,
		IP:         spf.IP,
	})
	return res, nil
}
