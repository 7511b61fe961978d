package web

import (
	"fmt"
	"strings"
	"testing"
)

func TestFlatten(t *testing.T) {
	data := `{"txt":["v=spf1 -all"],"a":["192.0.2.1","192.0.2.2"],"rcode":"NOERROR",
		"soa":{"mname":"ns1.example.org","serial":2023100101},
		"x_extra":null,"caa":[],"chain":[{"subject":"CN=a"},{"subject":"CN=b"}]}`
	got := Flatten("dns", []byte(data))
	var lines []string
	for _, f := range got {
		if f.IsList {
			lines = append(lines, fmt.Sprintf("%s=%q", f.Path, f.List))
		} else {
			lines = append(lines, f.Path+"="+f.Value)
		}
	}
	want := []string{
		"rcode=NOERROR",
		`a=["192.0.2.1" "192.0.2.2"]`,
		`txt=["v=spf1 -all"]`,
		"soa.mname=ns1.example.org",
		"soa.serial=2023100101", // a json.Number keeps its digits
		`caa=[]`,
		"chain[0].subject=CN=a",
		"chain[1].subject=CN=b",
		"x_extra=null",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("Flatten:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestFlattenHostile(t *testing.T) {
	if f := Flatten("http", []byte("{not json")); len(f) != 1 || f[0].Path != "(unparsable)" {
		t.Errorf("bad JSON: %+v", f)
	}
	deep := strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50)
	f := Flatten("", []byte(deep))
	if len(f) != 1 || !f[0].Truncated {
		t.Errorf("deep JSON not cut: %+v", f)
	}
	big := `{"text":"` + strings.Repeat("x", 100000) + `"}`
	f = Flatten("http", []byte(big))
	if len([]rune(f[0].Value)) > maxValueRunes+1 || !f[0].Truncated {
		t.Errorf("long value kept %d runes", len([]rune(f[0].Value)))
	}
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 3000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"k%05d":%d`, i, i)
	}
	sb.WriteString("}")
	f = Flatten("", []byte(sb.String()))
	if len(f) != maxFlatFields+1 || f[len(f)-1].Path != "…" {
		t.Errorf("wide JSON gave %d fields", len(f))
	}
}

func TestDiff(t *testing.T) {
	a := Flatten("delegation", []byte(`{"ns":["ns1.foxdns.example","ns2.foxdns.example"],"glue":{"x":"1"},"rcode":"NOERROR"}`))
	b := Flatten("delegation", []byte(`{"ns":["ns1.fbi.seized.gov","ns2.foxdns.example"],"ds":["1 8 2 AB"],"rcode":"NOERROR"}`))
	rows, sum := Diff(a, b)
	got := map[string]string{}
	var order []string
	for _, r := range rows {
		got[r.Path] = r.Op
		order = append(order, r.Path)
	}
	if got["rcode"] != OpSame || got["ns"] != OpChanged || got["ds"] != OpAdded || got["glue.x"] != OpRemoved {
		t.Errorf("ops = %v", got)
	}
	if sum != (DiffSummary{Changed: 1, Added: 1, Removed: 1, Same: 1}) {
		t.Errorf("summary = %+v", sum)
	}
	if strings.Join(order, ",") != "rcode,ns,glue.x,ds" {
		t.Errorf("order = %v", order)
	}
	for _, r := range rows {
		if r.Path != "ns" {
			continue
		}
		if fmt.Sprint(r.AItems) != "[{ns1.foxdns.example removed} {ns2.foxdns.example same}]" ||
			fmt.Sprint(r.BItems) != "[{ns1.fbi.seized.gov added} {ns2.foxdns.example same}]" {
			t.Errorf("list items: %v / %v", r.AItems, r.BItems)
		}
	}
}

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"plain.example":          "plain.example",
		"line\nnext\ttab":        "line\nnext\ttab",
		"moc.\u202elive":         "moc.⟨U+202E⟩live",
		"bell\x07nul\x00":        "bell⟨U+0007⟩nul⟨U+0000⟩",
		"bad\xffutf8":            "bad\uFFFDutf8",
		"\u2066isolate\u2069 ok": "⟨U+2066⟩isolate⟨U+2069⟩ ok",
	} {
		t.Run(in, func(t *testing.T) {
			if got := visible(in); got != want {
				t.Errorf("visible(%q) = %q, want %q", in, got, want)
			}
		})
	}
	f := Flatten("whois", []byte(`{"registrar":"Evil\u202eCorp"}`))
	if f[0].Value != "Evil⟨U+202E⟩Corp" {
		t.Errorf("flattened value %q keeps a direction override", f[0].Value)
	}
}
