package lifecycle_test

import (
	"fmt"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/lifecycle"
)

// The daemon fills Evidence from the latest snapshots, Previous from the
// stored verdict and the registry snapshot before the latest, and stores
// the verdict with Tx.SetState(domainID, at, v.State, v.Reasons, v.Severity).
func ExampleIndicators_Judge() {
	ind := lifecycle.Default()
	created := time.Date(2020, 11, 2, 0, 0, 0, 0, time.UTC)
	before := &lifecycle.Registration{Source: "rdap", Found: true, RegistryDomainID: "2336799_DOMAIN_COM-VRSN",
		Registrar: "NameCheap, Inc.", Created: created, Statuses: []string{"client transfer prohibited"}}
	now := *before
	now.Statuses = []string{"client transfer prohibited", "server delete prohibited", "server transfer prohibited", "server update prohibited"}

	v := ind.Judge(lifecycle.Evidence{
		Now:        time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC),
		Delegation: &lifecycle.Delegation{Rcode: "NOERROR", NS: []string{"ns1.fbi.seized.gov.", "ns2.fbi.seized.gov."}},
		Registry:   &now,
		HTTP:       &lifecycle.Page{Title: "This domain has been seized"},
	}, lifecycle.Previous{State: event.StateActive, Registry: before})

	fmt.Println(v.State, v.Severity)
	for _, r := range v.Reasons {
		fmt.Println(r)
	}
	// Output:
	// seized warning
	// delegation ns1.fbi.seized.gov matches us-fbi-seized-ns
	// rdap statuses server delete prohibited, server transfer prohibited, server update prohibited matches registry-lock-set (newly set)
	// page title "This domain has been seized" matches banner-domain-has-been-seized
}
