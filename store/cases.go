package store

import (
	"context"
	"errors"
	"time"
)

// ErrCaseOpen is returned by Tx.InsertCase when the domain already has a
// case that is not closed: one takedown is pursued at a time per name.
var ErrCaseOpen = errors.New("domain already has an open case")

// Case statuses. A case moves open → reported → taken_down, may go
// taken_down → reverted (the domain came back) and back to taken_down, and
// ends closed.
const (
	CaseOpen      = "open"
	CaseReported  = "reported"
	CaseTakenDown = "taken_down"
	CaseReverted  = "reverted"
	CaseClosed    = "closed"
)

// CaseStatuses are the statuses in the order lists show them.
var CaseStatuses = []string{CaseOpen, CaseReported, CaseTakenDown, CaseReverted, CaseClosed}

// Case is one takedown request the team pursues for a domain.
type Case struct {
	ID       int64     `json:"id"`
	DomainID int64     `json:"-"`
	Domain   string    `json:"domain"`
	Reason   string    `json:"reason"`
	Status   string    `json:"status"`
	Note     string    `json:"note,omitempty"`
	OpenedAt time.Time `json:"opened_at"`
	// StatusAt is when the status last changed; ChangedAt when anything
	// did (a report, a contact): escalation counts from it.
	StatusAt  time.Time `json:"status_at"`
	ChangedAt time.Time `json:"changed_at"`
	// FirstReportedAt is the first report to any contact; zero if none.
	FirstReportedAt time.Time `json:"first_reported_at,omitzero"`
	// TakenDownAt is the last confirmed takedown and TimeToTakedown the
	// seconds from the first report (or opening) to the first one; nil
	// before any.
	TakenDownAt    time.Time `json:"taken_down_at,omitzero"`
	TimeToTakedown *int64    `json:"time_to_takedown_seconds,omitempty"`
	// Registrar and Hosting name the providers, for the stats' groups.
	Registrar string `json:"registrar,omitempty"`
	Hosting   string `json:"hosting,omitempty"`
	// GoneChecks counts checks in a row without the phishing signals, and
	// SeenMark the last check counted (so a check counts once).
	GoneChecks int    `json:"-"`
	SeenMark   string `json:"-"`
	// StalledAt is when case_stalled was raised for the current status;
	// zero if not.
	StalledAt time.Time `json:"stalled_at,omitzero"`
}

// CaseContact is whom a takedown request goes to.
type CaseContact struct {
	ID     int64  `json:"-"`
	CaseID int64  `json:"-"`
	Role   string `json:"role"` // registrar, hosting, dns, registry, registrant
	Name   string `json:"name,omitempty"`
	Email  string `json:"email,omitempty"`
	Phone  string `json:"phone,omitempty"`
	// FormURL is a provider's web form, for those that take no mail.
	FormURL string `json:"form_url,omitempty"`
	// Source says where the contact came from ("rdap entity role abuse",
	// "analyst").
	Source     string    `json:"source"`
	ReportedAt time.Time `json:"reported_at,omitzero"`
	// Ref is the ticket of a web-form report; OutboxID the mail's row.
	Ref      string `json:"ref,omitempty"`
	OutboxID int64  `json:"outbox_id,omitempty"`
}

// CaseEntry is one step of a case's timeline, with its evidence.
type CaseEntry struct {
	ID       int64     `json:"-"`
	CaseID   int64     `json:"-"`
	At       time.Time `json:"at"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to"`
	Note     string    `json:"note,omitempty"`
	Evidence []byte    `json:"evidence,omitempty"` // JSON object
	EventID  int64     `json:"event_id,omitempty"`
}

// CaseQuery filters Cases: Status "" matches every status, "active" the
// ones not closed. Results are newest first.
type CaseQuery struct {
	Status string
	Limit  int // 0: no limit
}

// CaseStore is the cases' storage, what monitor/cases asks of a driver.
// All methods are safe for concurrent use.
type CaseStore interface {
	// Case returns name's case: the one not closed, else the newest;
	// ErrNotFound if the name never had one.
	Case(ctx context.Context, name string) (*Case, error)
	Cases(ctx context.Context, q CaseQuery) ([]Case, error)
	CaseContacts(ctx context.Context, caseID int64) ([]CaseContact, error)
	// CaseTimeline lists a case's entries, oldest first.
	CaseTimeline(ctx context.Context, caseID int64) ([]CaseEntry, error)
	// UpdateCases is Update with the case writes beside the others.
	UpdateCases(ctx context.Context, fn func(tx CaseTx) error) error
}

// CaseTx is Tx with the case writes.
type CaseTx interface {
	Tx
	// CaseOf reads name's case as CaseStore.Case does.
	CaseOf(name string) (*Case, error)
	// InsertCase writes a new case and returns its ID; ErrCaseOpen when
	// the domain has one not closed.
	InsertCase(c Case) (int64, error)
	// SaveCase writes every mutable field of c (by ID).
	SaveCase(c Case) error
	AddCaseEntry(e CaseEntry) (int64, error)
	// PutCaseContact adds a contact, or replaces the one of the same case,
	// role and address (e-mail, else form URL, else phone), keeping its
	// report.
	PutCaseContact(ct CaseContact) error
	// MarkContactReported records a report to the contact with id.
	MarkContactReported(id int64, at time.Time, ref string, outboxID int64) error
	TxCaseContacts(caseID int64) ([]CaseContact, error)
}

// ContactAddress is a contact's identity within its case and role: its
// e-mail, else its form URL, else its phone.
func ContactAddress(ct CaseContact) string {
	switch {
	case ct.Email != "":
		return ct.Email
	case ct.FormURL != "":
		return ct.FormURL
	}
	return ct.Phone
}
