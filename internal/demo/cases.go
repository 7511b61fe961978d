package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/cases"
	"github.com/takedownhq/takedown/store"
)

// registrarAbuse is the abuse desk of simnet's default registrar, where
// the look-alike is registered. Until the RDAP probe reads the
// registrar's abuse entity, the demo's analyst adds it by hand, as a
// person would from the registrar's abuse page.
const registrarAbuse = "abuse@namecheap.example"

// caseStory is the takedown of the phishing look-alike: the team opens a
// case and mails the report to the registrar's abuse desk, the registrar
// suspends the name, the lifecycle engine confirms the takedown and times
// it, and when the name comes back the case reverts. Without o.Cases the
// demo has no such steps.
func caseStory(o Options, net *simnet.Net, p *printer) []storyStep {
	if o.Cases == nil {
		return nil
	}
	cs := monitor.CaseStore(o.Store, o.Cases)
	ctx := context.Background()
	status := func(want string) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			c, err := o.Cases.Case(ctx, LookAlike)
			if err != nil || c.Status != want {
				return false, err
			}
			if want == store.CaseTakenDown && c.TimeToTakedown != nil {
				p.line("   case confirmed: taken down %s after the report", time.Duration(*c.TimeToTakedown)*time.Second)
			}
			if want == store.CaseReverted {
				p.line("   case reverted: %s is back", LookAlike)
			}
			return true, nil
		}
	}
	return []storyStep{
		{"the team opens a takedown case on " + LookAlike + " and mails the report to the registrar's abuse desk",
			func() error {
				if _, err := cases.Open(ctx, cs, LookAlike, LookAlike, "phishing", "login kit imitating "+Brand, time.Now()); err != nil {
					return err
				}
				if err := cases.AddContact(ctx, cs, LookAlike, store.CaseContact{Role: "registrar", Name: "NameCheap, Inc.",
					Email: registrarAbuse, Source: "analyst"}); err != nil {
					return err
				}
				_, _, err := cases.Send(ctx, cs, LookAlike, "registrar", true, time.Now())
				return err
			},
			func(ctx context.Context) (bool, error) {
				for _, m := range net.SMTP.Messages() {
					if h, err := m.Header(); err == nil && strings.Contains(h.Get("To"), registrarAbuse) {
						p.line("   report delivered to %s (Message-ID %s)", registrarAbuse, m.MessageID())
						return true, nil
					}
				}
				return false, nil
			}, LookAlike, "case_reported"},
		{"the registrar suspends " + LookAlike + " (serverHold)",
			func() error { return net.Suspend(LookAlike) }, status(store.CaseTakenDown), LookAlike, "takedown_confirmed"},
		{LookAlike + " comes back under a new registration, serving the kit again",
			func() error {
				if err := net.Reregister(lookalikeSite(phishing)); err != nil {
					return fmt.Errorf("bring back %s: %w", LookAlike, err)
				}
				net.Web.SetPage(LookAlike+"/favicon.ico", favicon)
				return nil
			}, status(store.CaseReverted), LookAlike, "takedown_reverted"},
	}
}
