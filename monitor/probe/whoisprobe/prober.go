package whoisprobe

import (
	"context"
	"errors"
	"fmt"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
)

// Prober asks RDAP first where the bootstrap has a server for the TLD (the
// required protocol for gTLDs since 2025) and WHOIS otherwise (most ccTLDs)
// or when RDAP fails.
type Prober struct {
	RDAP  *RDAP
	WHOIS *WHOIS
}

// New builds both probes over one shared limiter (see NewRDAP, NewWHOIS).
func New(n config.Network, lim *ratelimit.Limiter) (*Prober, error) {
	if lim == nil {
		lim = ratelimit.PerSecond(n.WhoisRate)
	}
	r, err := NewRDAP(n, lim)
	if err != nil {
		return nil, err
	}
	return &Prober{RDAP: r, WHOIS: NewWHOIS(n, lim)}, nil
}

// ErrRDAPUnavailable marks an RDAP failure that is the server's doing (5xx,
// timeout, refused, reset): the check may fall back to WHOIS. A 429, an
// oversized or non-JSON answer is not one of them.
var ErrRDAPUnavailable = errors.New("rdap server unavailable")

// Fallback asks WHOIS for name after RDAP failed with rdapErr, when that
// failure is ErrRDAPUnavailable; the record says so (fallback "whois" and
// the reason). Any other RDAP error, or a WHOIS failure, is returned.
func Fallback(ctx context.Context, w *WHOIS, name string, rdapErr error) (Record, error) {
	if !errors.Is(rdapErr, ErrRDAPUnavailable) || ctx.Err() != nil || w == nil {
		return Record{}, rdapErr
	}
	rec, err := w.Probe(ctx, name)
	if err != nil {
		return Record{}, fmt.Errorf("%w; fallback: %w", rdapErr, err)
	}
	rec.Fallback, rec.FallbackReason = "whois", rdapErr.Error()
	return rec.normalize(), nil
}

// Probe returns the registration of name. An RDAP answer (found or not) is
// final; an RDAP failure falls back to WHOIS, and if both fail the error
// carries both (and wraps ErrProbeFailed).
func (p *Prober) Probe(ctx context.Context, name string) (Record, error) {
	rec, rerr := p.RDAP.Probe(ctx, name)
	if rerr == nil {
		return rec, nil
	}
	if ctx.Err() != nil {
		return Record{}, rerr
	}
	rec, werr := p.WHOIS.Probe(ctx, name)
	if werr == nil {
		return rec, nil
	}
	if errors.Is(rerr, ErrNoRDAPServer) {
		return Record{}, werr
	}
	return Record{}, fmt.Errorf("%w; fallback: %w", rerr, werr)
}
