package whoisprobe

import (
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/metrics"
)

// Every EPP domain status of RFC 5731 (and RFC 3915's grace periods) and its
// RDAP name from RFC 8056 §2 map to the same code.
func TestStatusMappingRFC5731RFC8056(t *testing.T) {
	rfc8056 := map[string]string{
		"addPeriod": "add period", "autoRenewPeriod": "auto renew period",
		"clientDeleteProhibited": "client delete prohibited", "clientHold": "client hold",
		"clientRenewProhibited": "client renew prohibited", "clientTransferProhibited": "client transfer prohibited",
		"clientUpdateProhibited": "client update prohibited", "inactive": "inactive", "linked": "associated",
		"ok": "active", "pendingCreate": "pending create", "pendingDelete": "pending delete",
		"pendingRenew": "pending renew", "pendingRestore": "pending restore", "pendingTransfer": "pending transfer",
		"pendingUpdate": "pending update", "redemptionPeriod": "redemption period", "renewPeriod": "renew period",
		"serverDeleteProhibited": "server delete prohibited", "serverRenewProhibited": "server renew prohibited",
		"serverTransferProhibited": "server transfer prohibited", "serverUpdateProhibited": "server update prohibited",
		"serverHold": "server hold", "transferPeriod": "transfer period",
	}
	if len(rfc8056) != len(eppCodes)-2 { // eppCodes also holds "active" and "associated"
		t.Fatalf("%d RFC 8056 pairs, %d codes", len(rfc8056), len(eppCodes)-2)
	}
	for epp, rdap := range rfc8056 {
		for _, in := range []string{epp, rdap, strings.ToUpper(rdap), epp + " https://icann.org/epp#" + epp} {
			if got := NormalizeStatus(in); got != epp {
				t.Errorf("%q -> %q, want %q", in, got, epp)
			}
		}
		if !KnownStatus(epp) {
			t.Errorf("%s not known", epp)
		}
	}
	for in, want := range map[string]string{"transfer prohibited": "transferProhibited", "validated": "validated", "removed": "removed"} {
		if got := NormalizeStatus(in); got != want || !KnownStatus(got) {
			t.Errorf("RDAP-only %q -> %q known=%v", in, got, KnownStatus(got))
		}
	}
}

// An unknown status is kept in the record and counted in /metrics.
func TestUnknownStatusKeptAndCounted(t *testing.T) {
	c := `takedown_registration_unknown_statuses_total`
	before := metricsCounter(t, c).value()
	rec := Record{Found: true, Statuses: []string{"serverHold", "Connect", "under investigation"}}.normalize()
	if strings.Join(rec.Statuses, ",") != "connect,serverHold,underInvestigation" {
		t.Fatalf("statuses %v", rec.Statuses)
	}
	if after := metricsCounter(t, c).value(); after-before != 2 {
		t.Fatalf("counted %v unknown statuses, want 2", after-before)
	}
}

func metricsCounter(t *testing.T, name string) *gatherCounter {
	return &gatherCounter{t: t, name: name}
}

// gatherCounter reads one counter from metrics.Default's registry.
type gatherCounter struct {
	t    *testing.T
	name string
}

func (g *gatherCounter) value() float64 {
	mfs, err := metrics.Default.Registry().Gather()
	if err != nil {
		g.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == g.name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	g.t.Fatalf("no metric %s", g.name)
	return 0
}
