// Package cases is the team's takedown requests: a case is opened for a
// domain (a watched one, a found look-alike, a related one or a new name),
// gathers whom to ask (registrar, hosting network, DNS operator, registry,
// with the source of each), is reported, and is confirmed taken down by
// the lifecycle engine's verdicts, timed from the first report; a domain
// that comes back reverts its case, and a case with no news for too long
// raises case_stalled naming the next contact.
//
// The rules live here; the store keeps cases (store.CaseStore), the
// reports are encoded by monitor/cases/report, and the wiring (package
// monitor, the CLI, the web UI) only calls Open, Review, Send and friends.
package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/store"
)

// Store is what cases needs of the store.
type Store interface {
	store.CaseStore
	Domain(ctx context.Context, name string) (*store.Domain, error)
	AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error)
	LatestSnapshot(ctx context.Context, domainID int64, probe string) (*store.Snapshot, error)
	Screenshot(ctx context.Context, name string) (*store.Screenshot, error)
	Events(ctx context.Context, q store.EventQuery) ([]store.Event, error)
}

// InputError is bad input from the user: the CLI exits 2 on it and the
// API answers 400. It names the value.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputf(format string, args ...any) error { return &InputError{fmt.Sprintf(format, args...)} }

// MaxNote bounds a case's note, in characters.
const MaxNote = 1000

// Roles are the contact roles in the order a stalled case escalates:
// the registrant (when known), the hosting network, the registrar, the
// DNS operator and the registry last.
var Roles = []string{"registrant", report.RoleHosting, report.RoleRegistrar, report.RoleDNS, report.RoleRegistry}

// CheckReason returns the reason, "" meaning phishing, or an InputError.
func CheckReason(r string) (string, error) {
	if r == "" {
		return report.ReasonPhishing, nil
	}
	if !slices.Contains(report.Reasons, r) {
		return "", inputf("reason %q: want one of %s", r, strings.Join(report.Reasons, ", "))
	}
	return r, nil
}

// CheckNote refuses a note over MaxNote characters or holding control
// characters (a newline included: a note is one line in every list).
func CheckNote(n string) error {
	if !utf8.ValidString(n) {
		return inputf("note %q: not UTF-8", n)
	}
	if c := utf8.RuneCountInString(n); c > MaxNote {
		return inputf("note of %d characters: at most %d", c, MaxNote)
	}
	for _, r := range n {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return inputf("note %q: holds control character %U", n, r)
		}
	}
	return nil
}

// CheckRole returns an InputError for a role not in Roles.
func CheckRole(r string) error {
	if !slices.Contains(Roles, r) {
		return inputf("role %q: want one of %s", r, strings.Join(Roles, ", "))
	}
	return nil
}

// Open opens a case for name (already normalized, ASCII). A name that is
// not watched yet is added to the watchlist, so the lifecycle engine
// checks it. The contacts are read from the stored registration, hosting
// and DNS snapshots. It returns store.ErrCaseOpen (wrapped) when the name
// has a case that is not closed.
func Open(ctx context.Context, st Store, name, unicodeName, reason, note string, now time.Time) (*store.Case, error) {
	reason, err := CheckReason(reason)
	if err != nil {
		return nil, err
	}
	if err := CheckNote(note); err != nil {
		return nil, err
	}
	d, err := st.Domain(ctx, name)
	if err == nil && !d.Enabled {
		// Removed from the watchlist once: a case needs it checked again.
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: name, Unicode: unicodeName, Tags: []string{"case"},
			Source: "case", Note: "takedown case"}}); err != nil {
			return nil, fmt.Errorf("open case %s: watch: %w", name, err)
		}
		d, err = st.Domain(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("open case %s: %w", name, err)
	}
	found := Discover(ctx, st, d)
	c := store.Case{DomainID: d.ID, Domain: d.Name, Reason: reason, Status: store.CaseOpen, Note: note, OpenedAt: now,
		StatusAt: now, ChangedAt: now, Registrar: found.Registrar, Hosting: found.Hosting}
	err = st.UpdateCases(ctx, func(tx store.CaseTx) error {
		id, err := tx.InsertCase(c)
		if err != nil {
			return err
		}
		c.ID = id
		for _, ct := range found.Contacts {
			ct.CaseID = id
			if err := tx.PutCaseContact(ct); err != nil {
				return err
			}
		}
		roles := make([]string, 0, len(found.Contacts))
		for _, ct := range found.Contacts {
			roles = append(roles, ct.Role)
		}
		return change(tx, &c, d, now, store.CaseOpen, event.CaseOpened, event.SevNotice, note, map[string]any{
			"reason": reason, "state": d.State, "state_reasons": d.StateReasons, "contacts": roles})
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// change moves c to status (it may stay the same), writes its event and
// timeline entry, and saves it: one step of a case, one event.
func change(tx store.CaseTx, c *store.Case, d *store.Domain, now time.Time, status string, kind event.Kind, sev event.Severity, note string, evidence map[string]any) error {
	_, err := step(tx, c, d, now, status, kind, sev, note, evidence)
	return err
}

// step is change returning the event's ID.
func step(tx store.CaseTx, c *store.Case, d *store.Domain, now time.Time, status string, kind event.Kind, sev event.Severity, note string, evidence map[string]any) (int64, error) {
	from := c.Status
	if kind == event.CaseOpened {
		from = ""
	}
	evidence["case_id"] = c.ID
	evidence["status"] = status
	detail, err := json.Marshal(evidence)
	if err != nil {
		return 0, fmt.Errorf("case %s evidence: %w", c.Domain, err)
	}
	eid, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: d.Name, At: now, Kind: kind, Field: "case", Old: from,
		New: status, Severity: sev, Detail: detail})
	if err != nil {
		return 0, err
	}
	if _, err := tx.AddCaseEntry(store.CaseEntry{CaseID: c.ID, At: now, From: from, To: status, Note: note,
		Evidence: detail, EventID: eid}); err != nil {
		return 0, err
	}
	if status != c.Status {
		c.StatusAt = now
	}
	// Any step is news: the quiet time, and the stall raised for it, start over.
	c.Status, c.ChangedAt, c.StalledAt = status, now, time.Time{}
	return eid, tx.SaveCase(*c)
}

// Close closes name's case.
func Close(ctx context.Context, st Store, name, note string, now time.Time) (*store.Case, error) {
	if err := CheckNote(note); err != nil {
		return nil, err
	}
	var out *store.Case
	err := st.UpdateCases(ctx, func(tx store.CaseTx) error {
		c, d, err := active(tx, name)
		if err != nil {
			return err
		}
		out = c
		return change(tx, c, d, now, store.CaseClosed, event.CaseClosed, event.SevInfo, note, map[string]any{})
	})
	return out, err
}

// ErrNoCase is returned (wrapped) for a name without a case that is not
// closed.
var ErrNoCase = errors.New("no open case")

func active(tx store.CaseTx, name string) (*store.Case, *store.Domain, error) {
	c, err := tx.CaseOf(name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Status == store.CaseClosed) {
		return nil, nil, fmt.Errorf("case %s: %w", name, ErrNoCase)
	}
	if err != nil {
		return nil, nil, err
	}
	d, err := tx.Domain(name)
	if err != nil {
		return nil, nil, err
	}
	return c, d, nil
}

// AddContact adds or replaces a contact given by the analyst.
func AddContact(ctx context.Context, st Store, name string, ct store.CaseContact) error {
	if err := CheckRole(ct.Role); err != nil {
		return err
	}
	if ct.Email == "" && ct.FormURL == "" && ct.Phone == "" {
		return inputf("contact %s: give --email, --form or --phone", ct.Role)
	}
	if ct.Source == "" {
		ct.Source = "analyst"
	}
	return st.UpdateCases(ctx, func(tx store.CaseTx) error {
		c, _, err := active(tx, name)
		if err != nil {
			return err
		}
		ct.CaseID = c.ID
		return tx.PutCaseContact(ct)
	})
}

// contactFor picks the contact of role a report goes to: the analyst's
// own first, then the first found.
func contactFor(cts []store.CaseContact, role string) (store.CaseContact, bool) {
	var best store.CaseContact
	ok := false
	for _, ct := range cts {
		if ct.Role != role {
			continue
		}
		if !ok || (ct.Source == "analyst" && best.Source != "analyst") {
			best, ok = ct, true
		}
	}
	return best, ok
}

// Reported records a report made outside takedown (a web form) to the
// contact of role, with the provider's ticket.
func Reported(ctx context.Context, st Store, name, role, ref string, now time.Time) (*store.Case, error) {
	if err := CheckRole(role); err != nil {
		return nil, err
	}
	if err := CheckNote(ref); err != nil {
		return nil, inputf("--ref: %v", err)
	}
	var out *store.Case
	err := st.UpdateCases(ctx, func(tx store.CaseTx) error {
		c, d, err := active(tx, name)
		if err != nil {
			return err
		}
		cts, err := tx.TxCaseContacts(c.ID)
		if err != nil {
			return err
		}
		ct, ok := contactFor(cts, role)
		if !ok {
			return inputf("case %s has no %s contact (add one with case contact)", name, role)
		}
		out = c
		_, err = markReported(tx, c, d, ct, now, ref, 0)
		return err
	})
	return out, err
}

// markReported records a report to ct: the contact's reported_at, the
// case's first report, and the step (reported, unless the case is
// already past it).
func markReported(tx store.CaseTx, c *store.Case, d *store.Domain, ct store.CaseContact, now time.Time, ref string, outboxID int64) (int64, error) {
	if err := tx.MarkContactReported(ct.ID, now, ref, outboxID); err != nil {
		return 0, err
	}
	if c.FirstReportedAt.IsZero() {
		c.FirstReportedAt = now
	}
	status := c.Status
	if status == store.CaseOpen {
		status = store.CaseReported
	}
	return step(tx, c, d, now, status, event.CaseReported, event.SevInfo, ref, map[string]any{
		"role": ct.Role, "to": store.ContactAddress(ct), "source": ct.Source, "ref": ref})
}

// Detail is a case with what its page shows.
type Detail struct {
	store.Case
	Contacts []store.CaseContact `json:"contacts"`
	Timeline []store.CaseEntry   `json:"timeline"`
	// Next is the next step an analyst takes.
	Next string `json:"next"`
}

// MarshalJSON prints the case's own fields (store.Case's encoding, which
// an embedded field's method would otherwise make the whole of it) and
// then contacts, timeline and next.
func (d Detail) MarshalJSON() ([]byte, error) {
	c, err := json.Marshal(d.Case)
	if err != nil {
		return nil, err
	}
	rest, err := json.Marshal(struct {
		Contacts []store.CaseContact `json:"contacts"`
		Timeline []store.CaseEntry   `json:"timeline"`
		Next     string              `json:"next"`
	}{d.Contacts, d.Timeline, d.Next})
	if err != nil {
		return nil, err
	}
	// Both are objects: join {case…} and {rest…} into one.
	return append(append(c[:len(c)-1], ','), rest[1:]...), nil
}

// Show reads name's case with its contacts and timeline.
func Show(ctx context.Context, st Store, name string) (*Detail, error) {
	c, err := st.Case(ctx, name)
	if err != nil {
		return nil, err
	}
	cts, err := st.CaseContacts(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	tl, err := st.CaseTimeline(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if cts == nil {
		cts = []store.CaseContact{}
	}
	if tl == nil {
		tl = []store.CaseEntry{}
	}
	return &Detail{Case: *c, Contacts: cts, Timeline: tl, Next: NextStep(*c, cts)}, nil
}

// NextStep says what an analyst does next with a case.
func NextStep(c store.Case, cts []store.CaseContact) string {
	switch c.Status {
	case store.CaseClosed:
		return "none"
	case store.CaseTakenDown:
		return "watch for its return"
	}
	if ct, ok := nextContact(cts); ok {
		if ct.FormURL != "" && ct.Email == "" {
			return "report to " + ct.Role + " via " + ct.FormURL
		}
		return "report to " + ct.Role + " (" + store.ContactAddress(ct) + ")"
	}
	if len(cts) == 0 {
		return "add a contact"
	}
	return "wait for the takedown"
}

// nextContact is the first contact in escalation order not reported to.
func nextContact(cts []store.CaseContact) (store.CaseContact, bool) {
	for _, role := range Roles {
		for _, ct := range cts {
			if ct.Role == role && ct.ReportedAt.IsZero() {
				return ct, true
			}
		}
	}
	return store.CaseContact{}, false
}
