package diff

import "testing"

// BenchmarkDiff diffs two RDAP-sized snapshots that differ in three fields.
func BenchmarkDiff(b *testing.B) {
	old := []byte(`{"found":true,"registry_domain_id":"2336799_DOMAIN_COM-VRSN","registrar":"NameCheap, Inc.","registrar_iana_id":"1068",
"created":"2020-11-02T00:00:00Z","updated":"2025-10-01T00:00:00Z","expires":"2026-11-02T00:00:00Z",
"statuses":["client transfer prohibited"],"nameservers":["dns1.registrar-servers.com","dns2.registrar-servers.com"],
"entities":{"registrant":{"org":"Example Holdings","country":"US"},"abuse":{"email":"abuse@example.net"}}}`)
	new := []byte(`{"found":true,"registry_domain_id":"2336799_DOMAIN_COM-VRSN","registrar":"NameCheap, Inc.","registrar_iana_id":"1068",
"created":"2020-11-02T00:00:00Z","updated":"2026-01-10T00:00:00Z","expires":"2026-11-02T00:00:00Z",
"statuses":["client transfer prohibited","server delete prohibited","server transfer prohibited","server update prohibited"],
"nameservers":["ns1.fbi.seized.gov","ns2.fbi.seized.gov"],
"entities":{"registrant":{"org":"Example Holdings","country":"US"},"abuse":{"email":"abuse@example.net"}}}`)
	b.ReportAllocs()
	for b.Loop() {
		cs, err := Diff(old, new)
		if err != nil || len(cs) != 3 {
			b.Fatalf("%v %v", cs, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "diffs/s")
}
