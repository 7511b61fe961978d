package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// stixMillis is the timestamp form STIX 2.1 requires for created and
// modified: RFC 3339 in UTC with at least millisecond precision.
var stixMillis = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,}Z$`)

var stixSCOTypes = map[string]bool{"domain-name": true, "url": true, "ipv4-addr": true, "ipv6-addr": true, "x509-certificate": true}

func encodeSTIXObjects(t *testing.T, ev Evidence) []map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, "stix", ev); err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(b.Bytes(), &bundle); err != nil {
		t.Fatal(err)
	}
	return bundle.Objects
}

// The rules of the STIX 2.1 specification the schemas do not carry:
// identifier versions (section 2.9: UUIDv4 for domain objects, the UUIDv5
// of the ID contributing properties for observables), modified not before
// created, references that resolve inside the bundle, the pattern's
// grammar, and relationship types the specification defines for the pair.
func TestSTIXFollowsTheSpecification(t *testing.T) {
	ev := sampleEvidence()
	objs := encodeSTIXObjects(t, ev)
	byID := map[string]map[string]any{}
	byType := map[string][]map[string]any{}
	for _, o := range objs {
		id, typ := o["id"].(string), o["type"].(string)
		if byID[id] != nil {
			t.Errorf("identifier %s twice", id)
		}
		byID[id] = o
		byType[typ] = append(byType[typ], o)
		prefix, u, ok := strings.Cut(id, "--")
		if !ok || prefix != typ {
			t.Errorf("%s: identifier does not start with its type %s", id, typ)
			continue
		}
		parsed, err := uuid.Parse(u)
		if err != nil || parsed.Variant() != uuid.RFC4122 {
			t.Errorf("%s: not an RFC 4122 UUID: %v", id, err)
			continue
		}
		if stixSCOTypes[typ] {
			if parsed.Version() != 5 {
				t.Errorf("%s: observable identifier is UUID version %d, want 5", id, parsed.Version())
			}
			continue
		}
		if parsed.Version() != 4 {
			t.Errorf("%s: identifier is UUID version %d, want 4", id, parsed.Version())
		}
		c, m := o["created"].(string), o["modified"].(string)
		if !stixMillis.MatchString(c) || !stixMillis.MatchString(m) || m < c {
			t.Errorf("%s: created %q modified %q", id, c, m)
		}
		if o["spec_version"] != "2.1" {
			t.Errorf("%s: spec_version %v", id, o["spec_version"])
		}
	}

	// Observables: the identifier a second producer computes from the
	// specification's namespace and the canonical JSON of "value".
	ns := uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")
	for _, want := range []struct{ typ, value string }{
		{"domain-name", "acmebank-login.com"},
		{"url", "https://acmebank-login.com/login"},
		{"url", "http://acmebank-login.com/"},
		{"ipv4-addr", "192.0.2.10"},
		{"ipv6-addr", "2001:db8::10"},
	} {
		id := want.typ + "--" + uuid.NewSHA1(ns, []byte(`{"value":"`+want.value+`"}`)).String()
		if o := byID[id]; o == nil || o["value"] != want.value {
			t.Errorf("no %s %s with identifier %s", want.typ, want.value, id)
		}
	}

	// Every reference resolves inside the bundle.
	for _, o := range objs {
		for k, v := range o {
			var refs []string
			switch {
			case strings.HasSuffix(k, "_ref"):
				refs = []string{v.(string)}
			case strings.HasSuffix(k, "_refs"):
				for _, r := range v.([]any) {
					refs = append(refs, r.(string))
				}
			}
			for _, r := range refs {
				if byID[r] == nil {
					t.Errorf("%s.%s: %s is not in the bundle", o["id"], k, r)
				}
			}
		}
	}

	// The indicator's pattern parses and names exactly the domain and URLs.
	if len(byType["indicator"]) != 1 {
		t.Fatalf("%d indicators", len(byType["indicator"]))
	}
	ind := byType["indicator"][0]
	if ind["pattern_type"] != "stix" || ind["pattern_version"] != "2.1" {
		t.Errorf("pattern_type %v pattern_version %v", ind["pattern_type"], ind["pattern_version"])
	}
	tests, err := parseSTIXPattern(ind["pattern"].(string))
	if err != nil {
		t.Fatalf("pattern %q: %v", ind["pattern"], err)
	}
	var named []string
	for _, pt := range tests {
		if !stixSCOTypes[pt.objectType] || pt.path != "value" {
			t.Errorf("pattern compares %s:%s, which the encoder does not mean to emit", pt.objectType, pt.path)
		}
		named = append(named, pt.objectType+"="+pt.value)
	}
	want := []string{"domain-name=acmebank-login.com", "url=https://acmebank-login.com/login", "url=http://acmebank-login.com/"}
	if !slices.Equal(named, want) {
		t.Errorf("pattern names %v, want %v", named, want)
	}
	if vf, _ := time.Parse(time.RFC3339, ind["valid_from"].(string)); !vf.Equal(t0) {
		t.Errorf("valid_from %v, want the first sighting %v", ind["valid_from"], t0)
	}

	// observed-data spans the snapshots and refers to the observables only.
	od := byType["observed-data"][0]
	if od["first_observed"] != "2026-11-30T09:15:00.000Z" || od["last_observed"] != "2026-11-30T14:15:00.000Z" || od["number_observed"].(float64) < 1 {
		t.Errorf("observed-data %v .. %v x %v", od["first_observed"], od["last_observed"], od["number_observed"])
	}
	for _, r := range od["object_refs"].([]any) {
		typ, _, _ := strings.Cut(r.(string), "--")
		if !stixSCOTypes[typ] {
			t.Errorf("observed-data refers to %s", r)
		}
	}

	// Relationships are ones section 4 defines for their pair of types.
	allowed := map[string]bool{"indicator based-on observed-data": true, "indicator indicates infrastructure": true}
	for sco := range stixSCOTypes {
		allowed["infrastructure consists-of "+sco] = true
	}
	if len(byType["relationship"]) < 3 {
		t.Errorf("%d relationships", len(byType["relationship"]))
	}
	for _, r := range byType["relationship"] {
		src, _, _ := strings.Cut(r["source_ref"].(string), "--")
		dst, _, _ := strings.Cut(r["target_ref"].(string), "--")
		if k := src + " " + r["relationship_type"].(string) + " " + dst; !allowed[k] {
			t.Errorf("relationship %s is not one the specification defines", k)
		}
	}

	// The note carries every reason.
	note := byType["note"][0]
	for _, reason := range ev.Risk.Reasons {
		if !strings.Contains(note["content"].(string), reason) {
			t.Errorf("note lacks reason %q", reason)
		}
	}
}
