package regdata

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/takedownhq/takedown/store"
)

// BootstrapStore is the part of the store the refresh needs: the last good
// copy of each file and its validators.
type BootstrapStore interface {
	BootstrapFiles(ctx context.Context) ([]store.BootstrapFile, error)
	PutBootstrapFile(ctx context.Context, f store.BootstrapFile) error
	TouchBootstrapFile(ctx context.Context, name string, checked time.Time) error
}

// Refresher keeps the bootstrap files fresh: it fetches each of the four
// with a conditional request, stores a newer good copy, refuses a worse
// one, and falls back to what it has (stored, else embedded) when the
// source cannot be reached.
type Refresher struct {
	Store BootstrapStore
	// Base is the directory URL of the four files. Default IANABase.
	Base string
	// HTTP is the client; its transport should cap nothing below
	// MaxFileBytes. Default a client with a 60s timeout.
	HTTP *http.Client
	// Timeout bounds one file's request. Default 60s.
	Timeout time.Duration
	Log     *slog.Logger
	Now     func() time.Time
}

func (r *Refresher) defaults() {
	if r.Base == "" {
		r.Base = IANABase
	}
	if r.Timeout <= 0 {
		r.Timeout = time.Minute
	}
	if r.HTTP == nil {
		r.HTTP = &http.Client{Timeout: r.Timeout}
	}
	if r.Log == nil {
		r.Log = slog.With("component", "rdapbootstrap")
	}
	if r.Now == nil {
		r.Now = time.Now
	}
}

// Load is the set to start from without touching the network: each file's
// stored copy when it parses and is no worse than the embedded one, else
// the embedded file.
func (r *Refresher) Load(ctx context.Context) (*Set, error) {
	r.defaults()
	stored, err := r.Store.BootstrapFiles(ctx)
	if err != nil {
		return nil, err
	}
	set := *Embedded()
	set.Origin = "embedded"
	for _, f := range stored {
		emb := Embedded().File(f.Name)
		if emb == nil {
			continue
		}
		b, err := ParseBootstrap(f.Name, f.Body)
		if err == nil {
			err = Better(emb, b)
		}
		if err != nil {
			r.Log.Warn("stored rdap bootstrap ignored", "file", f.Name, "err", err)
			continue
		}
		set.put(b)
		set.Origin = "database"
	}
	return &set, nil
}

// Refresh fetches the four files conditionally and returns the set now in
// force and whether any file changed. A file that fails, does not parse, or
// has fewer services than the copy in force is logged and left as it was;
// the error joins those failures (the set is still usable).
func (r *Refresher) Refresh(ctx context.Context) (*Set, bool, error) {
	r.defaults()
	cur, err := r.Load(ctx)
	if err != nil {
		return nil, false, err
	}
	stored, err := r.Store.BootstrapFiles(ctx)
	if err != nil {
		return nil, false, err
	}
	byName := map[string]store.BootstrapFile{}
	for _, f := range stored {
		byName[f.Name] = f
	}
	changed := false
	var errs []error
	for _, name := range Files {
		old, have := byName[name]
		v := Validators{}
		if have {
			v = Validators{ETag: old.ETag, LastModified: old.LastModified}
		}
		u := FileURL(r.Base, name)
		fctx, cancel := context.WithTimeout(ctx, r.Timeout)
		body, nv, err := FetchFile(fctx, r.HTTP, u, v)
		cancel()
		now := r.Now()
		switch {
		case errors.Is(err, ErrNotModified):
			if have {
				if err := r.Store.TouchBootstrapFile(ctx, name, now); err != nil {
					errs = append(errs, err)
				}
			}
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		}
		b, err := ParseBootstrap(name, body)
		if err == nil {
			err = Better(cur.File(name), b)
		}
		if err != nil {
			r.Log.Warn("rdap bootstrap refused; keeping the copy in force", "url", u, "err", err)
			errs = append(errs, fmt.Errorf("%s: %w", u, err))
			continue
		}
		if err := r.Store.PutBootstrapFile(ctx, store.BootstrapFile{Name: name, Body: body, ETag: nv.ETag,
			LastModified: nv.LastModified, Publication: b.Publication, Services: b.Services(), Source: u,
			Fetched: now, Checked: now}); err != nil {
			errs = append(errs, err)
			continue
		}
		cur.put(b)
		cur.Origin = "database"
		changed = true
	}
	return cur, changed, errors.Join(errs...)
}
