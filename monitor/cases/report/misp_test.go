package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// mispTemplateDef is a MISP object template as published in
// MISP/misp-objects objects/NAME/definition.json.
type mispTemplateDef struct {
	Name          string   `json:"name"`
	MetaCategory  string   `json:"meta-category"`
	UUID          string   `json:"uuid"`
	Version       int      `json:"version"`
	Required      []string `json:"required"`
	RequiredOneOf []string `json:"requiredOneOf"`
	Attributes    map[string]struct {
		MISPAttribute string   `json:"misp-attribute"`
		Multiple      bool     `json:"multiple"`
		Categories    []string `json:"categories"`
	} `json:"attributes"`
}

// mispTypes is MISP's describeTypes.json: the attribute types and the
// categories each may be filed under.
type mispTypes struct {
	Result struct {
		Types                []string            `json:"types"`
		Categories           []string            `json:"categories"`
		CategoryTypeMappings map[string][]string `json:"category_type_mappings"`
	} `json:"result"`
}

func loadMISPSpecs(t testing.TB) (map[string]mispTemplateDef, mispTypes) {
	t.Helper()
	defs := map[string]mispTemplateDef{}
	for _, name := range []string{"domain-ip", "whois", "url", "x509"} {
		b, err := os.ReadFile("testdata/misp/objects/" + name + "/definition.json")
		if err != nil {
			t.Fatal(err)
		}
		var d mispTemplateDef
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defs[name] = d
	}
	b, err := os.ReadFile("testdata/misp/describeTypes.json")
	if err != nil {
		t.Fatal(err)
	}
	var types mispTypes
	if err := json.Unmarshal(b, &types); err != nil {
		t.Fatal(err)
	}
	if len(types.Result.Types) < 100 || len(types.Result.CategoryTypeMappings) < 10 {
		t.Fatalf("describeTypes.json: %d types", len(types.Result.Types))
	}
	return defs, types
}

var (
	mispDecimal  = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	mispDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	mispDatetime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$`)
)

func checkUUID(what, s string) error {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 || u.Variant() != uuid.RFC4122 {
		return fmt.Errorf("%s: %q is not an RFC 4122 UUID", what, s)
	}
	return nil
}

// checkMISPAttribute checks one attribute against the core format
// (draft-dulaunoy-misp-core-format: the MUST fields and their JSON types)
// and describeTypes (a valid category for its type).
func checkMISPAttribute(types mispTypes, where string, a map[string]any) []error {
	var errs []error
	for _, k := range []string{"uuid", "type", "category", "value", "distribution", "timestamp"} {
		if _, ok := a[k].(string); !ok {
			errs = append(errs, fmt.Errorf("%s: %s missing or not a string", where, k))
		}
	}
	for _, k := range []string{"to_ids", "deleted"} {
		if _, ok := a[k].(bool); !ok {
			errs = append(errs, fmt.Errorf("%s: %s missing or not a boolean", where, k))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	typ, cat := a["type"].(string), a["category"].(string)
	if err := checkUUID(where+" uuid", a["uuid"].(string)); err != nil {
		errs = append(errs, err)
	}
	if !slices.Contains(types.Result.Types, typ) {
		errs = append(errs, fmt.Errorf("%s: type %q is not a MISP type", where, typ))
	}
	if !slices.Contains(types.Result.CategoryTypeMappings[cat], typ) {
		errs = append(errs, fmt.Errorf("%s: type %q is not valid in category %q", where, typ, cat))
	}
	if d := a["distribution"].(string); !slices.Contains([]string{"0", "1", "2", "3", "4", "5"}, d) {
		errs = append(errs, fmt.Errorf("%s: distribution %q", where, d))
	}
	if !mispDecimal.MatchString(a["timestamp"].(string)) {
		errs = append(errs, fmt.Errorf("%s: timestamp %q is not decimal seconds", where, a["timestamp"]))
	}
	if a["value"].(string) == "" {
		errs = append(errs, fmt.Errorf("%s: empty value", where))
	}
	if typ == "datetime" && !mispDatetime.MatchString(a["value"].(string)) {
		errs = append(errs, fmt.Errorf("%s: datetime %q is not ISO 8601", where, a["value"]))
	}
	if typ == "attachment" {
		data, _ := a["data"].(string)
		raw, err := base64.StdEncoding.DecodeString(data)
		if err != nil || len(raw) == 0 || len(raw) > MaxAttachment {
			errs = append(errs, fmt.Errorf("%s: attachment data: %d bytes, %v", where, len(raw), err))
		}
	}
	return errs
}

func checkMISPEvent(t testing.TB, doc []byte) map[string]any {
	t.Helper()
	defs, types := loadMISPSpecs(t)
	var top map[string]map[string]any
	if err := json.Unmarshal(doc, &top); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	ev := top["Event"]
	if ev == nil {
		t.Fatal("no Event")
	}
	for _, k := range []string{"uuid", "info", "date", "threat_level_id", "analysis", "distribution", "timestamp", "publish_timestamp"} {
		if _, ok := ev[k].(string); !ok {
			t.Errorf("Event.%s missing or not a string", k)
		}
	}
	if _, ok := ev["published"].(bool); !ok {
		t.Errorf("Event.published missing or not a boolean")
	}
	if err := checkUUID("Event.uuid", fmt.Sprint(ev["uuid"])); err != nil {
		t.Error(err)
	}
	if !mispDate.MatchString(fmt.Sprint(ev["date"])) || !mispDecimal.MatchString(fmt.Sprint(ev["timestamp"])) {
		t.Errorf("Event date %v timestamp %v", ev["date"], ev["timestamp"])
	}
	if !slices.Contains([]string{"1", "2", "3", "4"}, fmt.Sprint(ev["threat_level_id"])) || !slices.Contains([]string{"0", "1", "2"}, fmt.Sprint(ev["analysis"])) || !slices.Contains([]string{"0", "1", "2", "3", "4"}, fmt.Sprint(ev["distribution"])) {
		t.Errorf("Event threat_level_id %v analysis %v distribution %v", ev["threat_level_id"], ev["analysis"], ev["distribution"])
	}
	if info := fmt.Sprint(ev["info"]); len([]rune(info)) > 256 || strings.ContainsAny(info, "\r\n") {
		t.Errorf("Event.info %q: over 256 characters or several lines", info)
	}
	attrs, _ := ev["Attribute"].([]any)
	for i, a := range attrs {
		for _, err := range checkMISPAttribute(types, fmt.Sprintf("Attribute[%d]", i), a.(map[string]any)) {
			t.Error(err)
		}
	}
	objs, _ := ev["Object"].([]any)
	for i, o := range objs {
		obj := o.(map[string]any)
		where := fmt.Sprintf("Object[%d] %v", i, obj["name"])
		for _, k := range []string{"uuid", "name", "meta-category", "description", "template_uuid", "template_version", "timestamp", "distribution"} {
			if _, ok := obj[k].(string); !ok {
				t.Errorf("%s: %s missing or not a string", where, k)
			}
		}
		if err := checkUUID(where+" uuid", fmt.Sprint(obj["uuid"])); err != nil {
			t.Error(err)
		}
		def, ok := defs[fmt.Sprint(obj["name"])]
		if !ok {
			t.Errorf("%s: no such template", where)
			continue
		}
		if obj["template_uuid"] != def.UUID || obj["template_version"] != strconv.Itoa(def.Version) || obj["meta-category"] != def.MetaCategory {
			t.Errorf("%s: template %v v%v %v, the published one is %s v%d %s", where, obj["template_uuid"], obj["template_version"], obj["meta-category"], def.UUID, def.Version, def.MetaCategory)
		}
		seen := map[string]int{}
		oattrs, _ := obj["Attribute"].([]any)
		for j, a := range oattrs {
			attr := a.(map[string]any)
			aw := fmt.Sprintf("%s Attribute[%d]", where, j)
			for _, err := range checkMISPAttribute(types, aw, attr) {
				t.Error(err)
			}
			rel, _ := attr["object_relation"].(string)
			spec, ok := def.Attributes[rel]
			if !ok {
				t.Errorf("%s: object_relation %q is not in the %s template", aw, rel, def.Name)
				continue
			}
			if attr["type"] != spec.MISPAttribute {
				t.Errorf("%s: %s has type %v, the template says %s", aw, rel, attr["type"], spec.MISPAttribute)
			}
			if len(spec.Categories) > 0 && !slices.Contains(spec.Categories, fmt.Sprint(attr["category"])) {
				t.Errorf("%s: %s in category %v, the template allows %v", aw, rel, attr["category"], spec.Categories)
			}
			seen[rel]++
			if seen[rel] > 1 && !spec.Multiple {
				t.Errorf("%s: %s appears %d times; the template does not allow multiple", aw, rel, seen[rel])
			}
		}
		for _, r := range def.Required {
			if seen[r] == 0 {
				t.Errorf("%s: lacks required %s", where, r)
			}
		}
		if len(def.RequiredOneOf) > 0 && !slices.ContainsFunc(def.RequiredOneOf, func(r string) bool { return seen[r] > 0 }) {
			t.Errorf("%s: has none of %v (requiredOneOf)", where, def.RequiredOneOf)
		}
	}
	return ev
}

func TestMISPFollowsTheTemplates(t *testing.T) {
	ev := sampleEvidence()
	var b bytes.Buffer
	if err := Encode(&b, "misp", ev); err != nil {
		t.Fatal(err)
	}
	got := checkMISPEvent(t, b.Bytes())
	names := map[string]int{}
	for _, o := range got["Object"].([]any) {
		names[o.(map[string]any)["name"].(string)]++
	}
	if names["domain-ip"] != 1 || names["whois"] != 1 || names["url"] != 2 || names["x509"] != 1 {
		t.Errorf("objects %v, want one domain-ip, whois and x509 and a url per URL", names)
	}
	var shot []byte
	for _, a := range got["Attribute"].([]any) {
		if a := a.(map[string]any); a["type"] == "attachment" {
			shot, _ = base64.StdEncoding.DecodeString(a["data"].(string))
		}
	}
	if !bytes.Equal(shot, ev.Screenshot) {
		t.Errorf("the screenshot attachment is not the screenshot (%d bytes)", len(shot))
	}
	if got["date"] != t0.Format(time.DateOnly) || got["threat_level_id"] != "1" {
		t.Errorf("date %v threat level %v", got["date"], got["threat_level_id"])
	}

	// The bare case still makes valid objects.
	b.Reset()
	if err := Encode(&b, "misp", Evidence{Case: Case{Domain: "example.org", Reason: ReasonMalware}}); err != nil {
		t.Fatal(err)
	}
	checkMISPEvent(t, b.Bytes())
}

// The checker must be able to fail: a relation the template lacks, a type
// the template does not give, a category the type does not allow, a
// second value of a single relation, and a stale template version.
func TestMISPCheckerRefusesWhatTheTemplatesRefuse(t *testing.T) {
	var b bytes.Buffer
	if err := Encode(&b, "misp", sampleEvidence()); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(obj map[string]any){
		"unknown relation": func(obj map[string]any) { attr(obj, 0)["object_relation"] = "domain-name" },
		"wrong type":       func(obj map[string]any) { attr(obj, 0)["type"] = "hostname" },
		"wrong category":   func(obj map[string]any) { attr(obj, 0)["category"] = "Person" },
		"stale version":    func(obj map[string]any) { obj["template_version"] = "3" },
		"second domain-ip hostname": func(obj map[string]any) {
			a := attr(obj, 0)
			h1 := map[string]any{}
			for k, v := range a {
				h1[k] = v
			}
			h1["object_relation"], h1["type"] = "hostname", "hostname"
			h2 := map[string]any{}
			for k, v := range h1 {
				h2[k] = v
			}
			obj["Attribute"] = append(obj["Attribute"].([]any), h1, h2)
		},
		"bad uuid": func(obj map[string]any) { obj["uuid"] = "not-a-uuid" },
	} {
		var top map[string]map[string]any
		_ = json.Unmarshal(b.Bytes(), &top)
		mutate(top["Event"]["Object"].([]any)[0].(map[string]any))
		doc, _ := json.Marshal(top)
		rec := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			checkMISPEvent(rec, doc)
		}()
		<-done
		if !rec.failed {
			t.Errorf("checker accepts an event with %s", name)
		}
	}
}

func attr(obj map[string]any, i int) map[string]any {
	return obj["Attribute"].([]any)[i].(map[string]any)
}

// recorder is a testing.TB that only notes a failure, so a test can show
// that a checker fails on bad input without failing itself.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Error(...any)          { r.failed = true }
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true; runtime.Goexit() }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }
