package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// CaseChannel is the outbox channel of takedown reports (monitor/cases):
// `case send` writes one row per report, addressed to the provider's abuse
// contact, and the sender delivers it like an alert, with retries and one
// Message-ID, never twice. No alert rule routes to it.
const CaseChannel = "case-report"

// caseKinds are the case events, routed for look-alikes as well: the
// team's own takedown of a look-alike is news, not its probe history.
var caseKinds = map[event.Kind]bool{event.CaseOpened: true, event.CaseReported: true, event.TakedownConfirmed: true,
	event.TakedownReverted: true, event.CaseStalled: true, event.CaseClosed: true}

// CaseReportFunc renders the report of a case_reported event as a complete
// RFC 5322 message to the recipient, with the given Message-ID (stable
// across retries).
type CaseReportFunc func(ctx context.Context, ev *store.Event, to, messageID string) ([]byte, error)

// sendCaseReports renders and mails the case report rows. From and To are
// set again from the configuration and the row, whatever the rendering
// says: the relay accepts only our sender, and the row names the one
// recipient.
func (n *Notifier) sendCaseReports(ctx context.Context, groups []*group, now time.Time, st *Stats) error {
	if len(groups) == 0 {
		return nil
	}
	if n.mailer == nil || n.opts.CaseReport == nil {
		why := "alerts.smtp.addr is not set"
		if n.mailer != nil {
			why = "this sender cannot render case reports"
		}
		for _, g := range groups {
			g.key = groupKey(g.rows)
			if err := n.record(ctx, g, errors.New(why), now, st); err != nil {
				return err
			}
		}
		return nil
	}
	var mails []outMail
	var sent []*group
	for _, g := range groups {
		g.key = groupKey(g.rows)
		msg, err := n.caseMail(ctx, g)
		if err != nil {
			if err := n.record(ctx, g, err, now, st); err != nil {
				return err
			}
			continue
		}
		mails = append(mails, outMail{to: g.recipient, raw: msg})
		sent = append(sent, g)
	}
	return n.mailer.send(ctx, mails, now, func(i int, err error) error {
		return n.record(ctx, sent[i], err, now, st)
	})
}

func (n *Notifier) caseMail(ctx context.Context, g *group) (*gomail.Msg, error) {
	ev, err := n.st.Event(ctx, g.rows[0].EventID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, permanent(fmt.Errorf("event %d: %w", g.rows[0].EventID, err))
	}
	if err != nil {
		return nil, fmt.Errorf("case report: event %d: %w", g.rows[0].EventID, err)
	}
	id := g.key + "@" + n.mailer.fromDomain
	raw, err := n.opts.CaseReport(ctx, ev, g.recipient, id)
	if err != nil {
		return nil, fmt.Errorf("case report %s: %w", ev.Domain, err)
	}
	msg, err := gomail.EMLToMsgFromReader(bytes.NewReader(raw))
	if err != nil {
		return nil, permanent(fmt.Errorf("case report %s: parse: %w", ev.Domain, err))
	}
	if err := msg.From(n.mailer.fromHeader); err != nil {
		return nil, permanent(fmt.Errorf("from %q: %w", n.mailer.fromHeader, err))
	}
	if err := msg.To(g.recipient); err != nil {
		return nil, permanent(fmt.Errorf("recipient %q: %w", g.recipient, err))
	}
	msg.SetMessageIDWithValue(id)
	msg.SetGenHeader(gomail.Header("X-Takedown-Delivery"), g.key)
	msg.SetGenHeader(gomail.Header("X-Takedown-Channel"), CaseChannel)
	return msg, nil
}
