package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/store"
)

// ErrNoSMTP is returned by Send when no SMTP server is configured: nothing
// is recorded.
var ErrNoSMTP = errors.New("no SMTP server is configured (alerts.smtp.addr): nothing sent, nothing recorded")

// ErrAlreadySent is returned (wrapped) by Send for a contact the report
// already went to: a report is never doubled.
var ErrAlreadySent = errors.New("the report already went to this contact")

// Send queues the case's report to the contact of role in the alert
// outbox, in the transaction that records the report (the contact's
// reported_at, the case's step and its case_reported event): the sender
// delivers it with retries and one Message-ID. The contact must have an
// e-mail address; a web form is reported with Reported.
func Send(ctx context.Context, st Store, name, role string, smtpConfigured bool, now time.Time) (store.CaseContact, int64, error) {
	if err := CheckRole(role); err != nil {
		return store.CaseContact{}, 0, err
	}
	var sent store.CaseContact
	var outboxID int64
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
		switch {
		case !ok:
			return inputf("case %s has no %s contact (add one with case contact)", name, role)
		case ct.Email == "" && ct.FormURL != "":
			return inputf("the %s contact of %s takes reports only at %s: file it there, then record it with case reported --ref", role, name, ct.FormURL)
		case ct.Email == "":
			return inputf("the %s contact of %s has no e-mail address (add one with case contact)", role, name)
		case ct.OutboxID != 0:
			return fmt.Errorf("case %s: %s %s at %s: %w", name, role, ct.Email, ct.ReportedAt.Format(time.RFC3339), ErrAlreadySent)
		case !smtpConfigured:
			return ErrNoSMTP
		}
		eid, err := markReported(tx, c, d, ct, now, "", 0)
		if err != nil {
			return err
		}
		outboxID, err = tx.AddOutbox(store.OutboxItem{EventID: eid, Channel: notify.CaseChannel, Recipient: ct.Email, CreatedAt: now})
		if err != nil {
			return err
		}
		sent = ct
		return tx.MarkContactReported(ct.ID, now, "", outboxID)
	})
	return sent, outboxID, err
}

// Renderer renders the report of a case_reported event for the alert
// sender (notify.Options.CaseReport): the eml report to the contact the
// event names, from the reporter.
func Renderer(st Store, from report.Party, brand Brander) notify.CaseReportFunc {
	return func(ctx context.Context, ev *store.Event, to, messageID string) ([]byte, error) {
		var d struct {
			Role string `json:"role"`
		}
		if err := json.Unmarshal(ev.Detail, &d); err != nil || d.Role == "" {
			return nil, fmt.Errorf("event %d names no contact role", ev.ID)
		}
		e, _, err := Evidence(ctx, st, ev.Domain, d.Role, from, brand, ev.At)
		if err != nil {
			return nil, err
		}
		e.Recipient.Email = to
		e.MessageID = messageID
		var b bytes.Buffer
		if err := report.Encode(&b, "eml", e); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
}
