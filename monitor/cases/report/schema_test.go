package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchemas loads every schema under dir by its own $id (the files
// refer to each other by relative paths against those ids) and compiles
// root, asserting formats (uuid, date-time, email, hostname, uri) and
// content encodings (base64), which JSON Schema 2020-12 leaves as mere
// annotations unless asked.
func compileSchemas(t testing.TB, dir, root string) *jsonschema.Schema {
	t.Helper()
	c, ids := loadSchemas(t, dir)
	id := ids[root]
	if id == "" {
		t.Fatalf("no schema %s under %s", root, dir)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compile %s: %v", id, err)
	}
	return sch
}

// loadSchemas adds every schema under dir to a new compiler and returns
// it with the $id of each file, by its path relative to dir.
func loadSchemas(t testing.TB, dir string) (*jsonschema.Compiler, map[string]string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.AssertContent()
	ids := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		id, _ := m["$id"].(string)
		if id == "" {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		ids[filepath.ToSlash(rel)] = id
		return c.AddResource(id, doc)
	})
	if err != nil {
		t.Fatalf("load schemas under %s: %v", dir, err)
	}
	return c, ids
}

var (
	xarfOnce, stixOnce sync.Once
	xarfSchema         *jsonschema.Schema
	stixSchemas        map[string]*jsonschema.Schema // by STIX type
)

func xarfValidator(t testing.TB) *jsonschema.Schema {
	xarfOnce.Do(func() { xarfSchema = compileSchemas(t, "testdata/xarf/schemas/v4", "xarf-v4-master.json") })
	if xarfSchema == nil {
		t.Fatal("XARF schema did not compile")
	}
	return xarfSchema
}

// stixValidators compiles the schema of every STIX domain object,
// relationship and cyber-observable by its type. The published
// common/bundle.json cannot serve: its list of object schemas lacks note,
// grouping, location, opinion and incident, and its fallback for custom
// objects matches both core schemas of an SDO, so a bundle with a note
// fails "oneOf". OASIS's own stix2-validator checks each object against
// its type's schema instead, and so do we.
func stixValidators(t testing.TB) map[string]*jsonschema.Schema {
	stixOnce.Do(func() {
		c, ids := loadSchemas(t, "testdata/stix/schemas")
		m := map[string]*jsonschema.Schema{}
		for rel, id := range ids {
			dir, file, _ := strings.Cut(rel, "/")
			if dir != "sdos" && dir != "sros" && dir != "observables" {
				continue
			}
			sch, err := c.Compile(id)
			if err != nil {
				t.Fatalf("compile %s: %v", id, err)
			}
			m[strings.TrimSuffix(file, ".json")] = sch
		}
		stixSchemas = m
	})
	if len(stixSchemas) < 30 {
		t.Fatalf("STIX schemas: compiled %d", len(stixSchemas))
	}
	return stixSchemas
}

var stixIdentifier = regexp.MustCompile(`^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)

// validateSTIX checks a bundle as bundle.json describes its envelope and
// each object against its own type's schema.
func validateSTIX(t testing.TB, doc []byte) error {
	t.Helper()
	scs := stixValidators(t)
	var bundle struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(doc, &bundle); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if bundle.Type != "bundle" || !strings.HasPrefix(bundle.ID, "bundle--") || !stixIdentifier.MatchString(bundle.ID) {
		return fmt.Errorf("bundle envelope: type %q id %q", bundle.Type, bundle.ID)
	}
	if len(bundle.Objects) == 0 {
		return fmt.Errorf("bundle has no objects (minItems 1)")
	}
	for i, raw := range bundle.Objects {
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return fmt.Errorf("object %d: %w", i, err)
		}
		sch := scs[head.Type]
		if sch == nil {
			return fmt.Errorf("object %d: no schema for type %q", i, head.Type)
		}
		if err := validateJSON(t, sch, raw); err != nil {
			return fmt.Errorf("object %d (%s): %w", i, head.Type, err)
		}
	}
	return nil
}

// validateJSON checks doc against sch, doc being the bytes an encoder wrote.
func validateJSON(t testing.TB, sch *jsonschema.Schema, doc []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	return sch.Validate(inst)
}

// The validators must be able to fail: the published sample passes, and
// the same sample with a required property gone, a bad identifier or a
// type from another category is refused.
func TestSchemasRefuseWhatTheSpecsRefuse(t *testing.T) {
	sample, err := os.ReadFile("testdata/xarf/content-phishing.sample.json")
	if err != nil {
		t.Fatal(err)
	}
	x := xarfValidator(t)
	if err := validateJSON(t, x, sample); err != nil {
		t.Fatalf("the published XARF sample fails the published schema: %v", err)
	}
	for name, mutate := range map[string]func(m map[string]any){
		"no url":                 func(m map[string]any) { delete(m, "url") },
		"report_id not uuid":     func(m map[string]any) { m["report_id"] = "case-1" },
		"spam under content":     func(m map[string]any) { m["type"] = "spam" },
		"timestamp not RFC 3339": func(m map[string]any) { m["timestamp"] = "2025-01-11 15:15:24" },
		"reporter without domain": func(m map[string]any) {
			delete(m["reporter"].(map[string]any), "domain")
		},
		"payload not base64": func(m map[string]any) {
			m["evidence"].([]any)[0].(map[string]any)["payload"] = "not base64!"
		},
	} {
		var m map[string]any
		if err := json.Unmarshal(sample, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		b, _ := json.Marshal(m)
		if err := validateJSON(t, x, b); err == nil {
			t.Errorf("XARF schema accepts a sample with %s", name)
		}
	}

	good := `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
	 {"type":"domain-name","spec_version":"2.1","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"example.com"}]}`
	if err := validateSTIX(t, []byte(good)); err != nil {
		t.Fatalf("a minimal STIX bundle fails: %v", err)
	}
	for name, doc := range map[string]string{
		"id without type prefix": strings.Replace(good, `"id":"domain-name--`, `"id":"`, 1),
		"indicator without pattern": `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
		 {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}`,
		"created without milliseconds": `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
		 {"type":"note","spec_version":"2.1","id":"note--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00.000Z","content":"x","object_refs":["domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5"]}]}`,
	} {
		if err := validateSTIX(t, []byte(doc)); err == nil {
			t.Errorf("STIX schema accepts a bundle with %s", name)
		}
	}
}

func TestXARFValidAgainstPublishedSchema(t *testing.T) {
	x := xarfValidator(t)
	for _, reason := range Reasons {
		t.Run(reason, func(t *testing.T) {
			ev := sampleEvidence()
			ev.Case.Reason = reason
			var b bytes.Buffer
			if err := Encode(&b, "xarf", ev); err != nil {
				t.Fatal(err)
			}
			if err := validateJSON(t, x, b.Bytes()); err != nil {
				t.Fatalf("%v\n%s", err, b.String())
			}
			var m map[string]any
			if err := json.Unmarshal(b.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{ReasonPhishing: "phishing", ReasonMalware: "malware", ReasonBrand: "brand_infringement", ReasonFraud: "fraud"}[reason]
			if m["category"] != "content" || m["type"] != want {
				t.Errorf("category %v type %v, want content %s", m["category"], m["type"], want)
			}
		})
	}
}

// An IDN's A-label does not match content-base's domain pattern: the
// report must still validate, naming the domain in source_identifier.
func TestXARFIDNStillValid(t *testing.T) {
	ev := sampleEvidence()
	ev.Case.Domain, ev.Case.DomainUnicode = "xn--acmebnk-9za.xn--p1ai", "acmebänk.рф"
	ev.Content.URLs, ev.Content.FinalURL, ev.Content.FormAction = nil, "", ""
	var b bytes.Buffer
	if err := Encode(&b, "xarf", ev); err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(t, xarfValidator(t), b.Bytes()); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	var m map[string]any
	_ = json.Unmarshal(b.Bytes(), &m)
	if m["source_identifier"] != "xn--acmebnk-9za.xn--p1ai" || m["url"] != "http://xn--acmebnk-9za.xn--p1ai/" {
		t.Errorf("source_identifier %v url %v", m["source_identifier"], m["url"])
	}
}

func TestSTIXValidAgainstPublishedSchema(t *testing.T) {
	for _, reason := range Reasons {
		ev := sampleEvidence()
		ev.Case.Reason = reason
		var b bytes.Buffer
		if err := Encode(&b, "stix", ev); err != nil {
			t.Fatal(err)
		}
		if err := validateSTIX(t, b.Bytes()); err != nil {
			t.Fatalf("%s: %v\n%s", reason, err, b.String())
		}
	}
	// The least a case can carry: a domain and a reason.
	var b bytes.Buffer
	if err := Encode(&b, "stix", Evidence{Case: Case{Domain: "example.org", Reason: ReasonFraud}}); err != nil {
		t.Fatal(err)
	}
	if err := validateSTIX(t, b.Bytes()); err != nil {
		t.Fatalf("bare case: %v\n%s", err, b.String())
	}
}
