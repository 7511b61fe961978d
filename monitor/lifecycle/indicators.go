package lifecycle

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
)

//go:embed indicators.yaml
var defaultYAML []byte

// DefaultYAML returns the embedded indicator file, for `takedown` to show or
// for users to copy and edit.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

var (
	defaultOnce sync.Once
	defaultInd  *Indicators
	defaultErr  error
)

// Default returns the embedded indicators, parsed once. It panics if the
// embedded file does not load, which a test guards against.
func Default() *Indicators {
	defaultOnce.Do(func() {
		defaultInd, defaultErr = LoadIndicators(bytes.NewReader(defaultYAML))
	})
	if defaultErr != nil {
		panic("lifecycle: embedded indicators: " + defaultErr.Error())
	}
	return defaultInd
}

// Load reads the indicator file at path, or returns Default when path is
// empty (the --indicators flag and the monitor.indicators setting).
func Load(path string) (*Indicators, error) {
	if path == "" {
		return Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("indicators: %w", err)
	}
	defer f.Close()
	ind, err := LoadIndicators(f)
	if err != nil {
		return nil, fmt.Errorf("indicators %s: %w", path, err)
	}
	return ind, nil
}

// Signature kinds.
const (
	KindNSSuffix        = "ns_suffix"
	KindNSPair          = "ns_pair"
	KindIP              = "ip"
	KindCIDR            = "cidr"
	KindEPPStatus       = "epp_status"
	KindHTTPTitle       = "http_title"
	KindHTTPBody        = "http_body"
	KindHTTPAsset       = "http_asset"
	KindWhoisRegistrar  = "whois_registrar"
	KindWhoisRegistrant = "whois_registrant"
)

// Signature strengths.
const (
	Strong        = "strong"        // enough alone, given the caveats
	Corroborating = "corroborating" // needs another signal
	Weak          = "weak"          // a hint only
)

// Signature states beyond the verdict states.
const (
	SigNewRegistration   event.State = "new_registration"
	SigLocked            event.State = "locked"
	SigBlockedByResolver event.State = "blocked_by_resolver"
)

// AppliesToNSAddress makes an ip or cidr signature match the name servers'
// addresses instead of the domain's.
const AppliesToNSAddress = "ns_address"

var validKinds = map[string]bool{
	KindNSSuffix: true, KindNSPair: true, KindIP: true, KindCIDR: true, KindEPPStatus: true,
	KindHTTPTitle: true, KindHTTPBody: true, KindHTTPAsset: true,
	KindWhoisRegistrar: true, KindWhoisRegistrant: true,
}

var validSigStates = map[event.State]bool{
	event.StateSeized: true, event.StateSinkholed: true, event.StateSuspended: true, event.StateExpired: true,
	event.StateRedemption: true, event.StatePendingDelete: true, event.StateParked: true,
	SigNewRegistration: true, SigLocked: true, SigBlockedByResolver: true,
}

var validStrengths = map[string]bool{Strong: true, Corroborating: true, Weak: true}

var validConfidence = map[string]bool{"": true, "high": true, "medium": true, "low": true}

// Indicators is a parsed, compiled indicator file. It is read-only after
// loading and safe for concurrent use.
type Indicators struct {
	Version    int
	Status     string
	Signatures []*Signature
	// Rules are the file's descriptive rules (re-registration, corroboration,
	// watching the takedown infrastructure). Judge implements them in code;
	// they are kept for display and so reasons can cite their ids.
	Rules []Rule

	byID map[string]*Signature
}

// Signature is one indicator as written in the file, plus its compiled form.
type Signature struct {
	ID         string
	Kind       string
	State      event.State
	Strength   string
	Confidence string
	Operator   string
	Observed   string
	Note       string
	AppliesTo  string
	Uncertain  bool
	ValidUntil time.Time // zero: no end
	Sources    []string
	HostsSeen  []string
	Match      []MatchValue
	MatchRegex []string
	RDAP       []string
	Line       int // line of the signature in the file

	suffixes []string         // ns_suffix, lower case, no trailing dot
	hosts    []string         // ns_pair
	regexes  []*regexp.Regexp // match_regex (ns_suffix) or match (http_*, whois_*)
	matchers []textMatcher    // http_body: the regexes behind a literal prefilter
	prefixes []prefixValue    // ip, cidr
	statuses map[string]bool  // epp_status: canonical keys of match and rdap
	assets   []string         // http_asset, lower case
	infra    []string         // registrable domains of suffixes (ns_suffix)
}

// MatchValue is one entry of a signature's match list.
type MatchValue struct {
	Value    string
	Operator string // per-entry operator where the file gives one
}

type prefixValue struct {
	prefix   netip.Prefix
	operator string
}

// Rule is a descriptive rule of the file.
type Rule struct {
	ID       string
	State    event.State
	Strength string
	When     string
	NotWhen  string
	Why      string
	Sources  []string
	Line     int
}

// Signature returns the signature with that id, or nil.
func (ind *Indicators) Signature(id string) *Signature { return ind.byID[id] }

// Error is a problem in an indicator file. Line is 0 when unknown.
type Error struct {
	Line      int
	Signature string // id, when the problem is inside a signature
	Msg       string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Signature != "" {
		fmt.Fprintf(&b, "signature %q: ", e.Signature)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxErrors bounds how many problems one load reports.
const maxErrors = 20

// maxFile bounds the indicator file; the researched one is about 30 KiB.
const maxFile = 4 << 20

// LoadIndicators parses and compiles an indicator file. It rejects unknown
// keys, kinds, states and strengths, duplicate ids, bad addresses and bad
// regexes; the error lists every problem found (up to 20), each naming the
// line and the signature id. Regexes are compiled here, once.
func LoadIndicators(r io.Reader) (*Indicators, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("read indicators: %w", err)
	}
	if len(data) > maxFile {
		return nil, &Error{Msg: fmt.Sprintf("file larger than %d bytes", maxFile)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{Line: doc.Line, Msg: "not a YAML mapping with a signatures list"}
	}
	p := &parser{ind: &Indicators{byID: map[string]*Signature{}}}
	p.top(doc.Content[0])
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	if len(p.ind.Signatures) == 0 {
		return nil, &Error{Msg: "no signatures"}
	}
	return p.ind, nil
}

type parser struct {
	ind  *Indicators
	errs []error
}

func (p *parser) fail(line int, id, format string, args ...any) {
	if len(p.errs) == maxErrors {
		p.errs = append(p.errs, &Error{Msg: "too many errors"})
	}
	if len(p.errs) > maxErrors {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if strings.HasPrefix(msg, "line ") {
		line = 0 // the YAML decoder's message already says where
	}
	p.errs = append(p.errs, &Error{Line: line, Signature: id, Msg: msg})
}

func (p *parser) top(m *yaml.Node) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if seen[k.Value] {
			p.fail(k.Line, "", "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "version":
			if err := v.Decode(&p.ind.Version); err != nil || p.ind.Version != 0 {
				p.fail(v.Line, "", "version %q not supported (want 0)", v.Value)
			}
		case "status":
			p.ind.Status = v.Value
		case "signatures":
			if v.Kind != yaml.SequenceNode {
				p.fail(v.Line, "", "signatures must be a list")
				continue
			}
			for _, s := range v.Content {
				p.signature(s)
			}
		case "rules":
			if v.Kind != yaml.SequenceNode {
				p.fail(v.Line, "", "rules must be a list")
				continue
			}
			for _, r := range v.Content {
				p.rule(r)
			}
		default:
			p.fail(k.Line, "", "unknown key %q", k.Value)
		}
	}
	if !seen["signatures"] {
		p.fail(m.Line, "", "no signatures list")
	}
}

// rawSignature is the YAML shape of a signature.
type rawSignature struct {
	ID         string      `yaml:"id"`
	Kind       string      `yaml:"kind"`
	Match      matchList   `yaml:"match"`
	MatchRegex []string    `yaml:"match_regex"`
	RDAP       []string    `yaml:"rdap"`
	State      event.State `yaml:"state"`
	Operator   string      `yaml:"operator"`
	Strength   string      `yaml:"strength"`
	Confidence string      `yaml:"confidence"`
	Observed   string      `yaml:"observed"`
	Note       string      `yaml:"note"`
	Sources    []string    `yaml:"sources"`
	Uncertain  bool        `yaml:"uncertain"`
	AppliesTo  string      `yaml:"applies_to"`
	HostsSeen  []string    `yaml:"hosts_seen"`
	ValidUntil string      `yaml:"valid_until"`
}

var signatureKeys = map[string]bool{
	"id": true, "kind": true, "match": true, "match_regex": true, "rdap": true, "state": true,
	"operator": true, "strength": true, "confidence": true, "observed": true, "note": true,
	"sources": true, "uncertain": true, "applies_to": true, "hosts_seen": true, "valid_until": true,
}

// lineIndex remembers where each key's value sits, so errors point at it.
type lineIndex map[string]int

func (l lineIndex) at(key string, def int) int {
	if n, ok := l[key]; ok {
		return n
	}
	return def
}

// matchList accepts a scalar, a list of scalars or a list of
// {cidr|ip|value: X, operator: Y} mappings.
type matchList []MatchValue

func (ml *matchList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*ml = matchList{{Value: n.Value}}
		return nil
	case yaml.SequenceNode:
		out := make(matchList, 0, len(n.Content))
		for _, it := range n.Content {
			switch it.Kind {
			case yaml.ScalarNode:
				out = append(out, MatchValue{Value: it.Value})
			case yaml.MappingNode:
				var mv MatchValue
				for i := 0; i+1 < len(it.Content); i += 2 {
					k, v := it.Content[i], it.Content[i+1]
					if v.Kind != yaml.ScalarNode {
						return fmt.Errorf("line %d: match entry %q must be a scalar", v.Line, k.Value)
					}
					switch k.Value {
					case "cidr", "ip", "value", "host":
						mv.Value = v.Value
					case "operator":
						mv.Operator = v.Value
					default:
						return fmt.Errorf("line %d: unknown match entry key %q", k.Line, k.Value)
					}
				}
				if mv.Value == "" {
					return fmt.Errorf("line %d: match entry without a value", it.Line)
				}
				out = append(out, mv)
			default:
				return fmt.Errorf("line %d: bad match entry", it.Line)
			}
		}
		*ml = out
		return nil
	}
	return fmt.Errorf("line %d: match must be a string or a list", n.Line)
}

func (p *parser) signature(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, "", "signature must be a mapping")
		return
	}
	id := ""
	lines := lineIndex{}
	bad := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		lines[k.Value] = n.Content[i+1].Line
		if k.Value == "id" {
			id = n.Content[i+1].Value
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !signatureKeys[k.Value] {
			p.fail(k.Line, id, "unknown key %q", k.Value)
			bad = true
		}
	}
	var raw rawSignature
	if err := n.Decode(&raw); err != nil {
		p.fail(n.Line, id, "%s", trimYAMLError(err))
		return
	}
	if bad {
		return
	}
	s, ok := p.compile(n.Line, &raw, lines)
	if !ok {
		return
	}
	if prev, dup := p.ind.byID[s.ID]; dup {
		p.fail(n.Line, s.ID, "duplicate id (first at line %d)", prev.Line)
		return
	}
	p.ind.byID[s.ID] = s
	p.ind.Signatures = append(p.ind.Signatures, s)
}

func trimYAMLError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  ")
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,79}$`)

// compile validates one signature and builds its matchers, in stages:
// its names, its fields, then the matchers of its kind.
func (p *parser) compile(line int, raw *rawSignature, l lineIndex) (*Signature, bool) {
	at := func(key string) int { return l.at(key, line) }
	nerr := len(p.errs)
	p.checkNames(raw, at)
	if len(p.errs) > nerr {
		return nil, false
	}
	s := &Signature{
		ID: raw.ID, Kind: raw.Kind, State: raw.State, Strength: raw.Strength, Confidence: raw.Confidence,
		Operator: raw.Operator, Observed: raw.Observed, Note: raw.Note, AppliesTo: raw.AppliesTo,
		Uncertain: raw.Uncertain, Sources: raw.Sources, HostsSeen: raw.HostsSeen,
		Match: raw.Match, MatchRegex: raw.MatchRegex, RDAP: raw.RDAP, Line: line,
	}
	if raw.ValidUntil != "" {
		t, err := time.Parse(time.DateOnly, raw.ValidUntil)
		if err != nil {
			p.fail(at("valid_until"), raw.ID, "valid_until %q is not a YYYY-MM-DD date", raw.ValidUntil)
		}
		s.ValidUntil = t
	}
	p.checkFields(raw, at)
	p.compileMatch(s, raw, at)
	if len(p.errs) > nerr {
		return nil, false
	}
	return s, true
}

// checkNames checks the id and the enumerated fields.
func (p *parser) checkNames(raw *rawSignature, at func(string) int) {
	id := raw.ID
	if !idPattern.MatchString(id) {
		p.fail(at("id"), id, "id %q must be lower case letters, digits, '.', '_' or '-' (at most 80)", id)
	}
	if !validKinds[raw.Kind] {
		p.fail(at("kind"), id, "unknown kind %q", raw.Kind)
	}
	if !validSigStates[raw.State] {
		p.fail(at("state"), id, "unknown state %q", raw.State)
	}
	if !validStrengths[raw.Strength] {
		p.fail(at("strength"), id, "strength %q must be strong, corroborating or weak", raw.Strength)
	}
	if !validConfidence[raw.Confidence] {
		p.fail(at("confidence"), id, "confidence %q must be high, medium or low", raw.Confidence)
	}
}

// checkFields checks that the fields a kind needs are there and the ones
// it cannot use are not.
func (p *parser) checkFields(raw *rawSignature, at func(string) int) {
	id := raw.ID
	if len(raw.Match) == 0 && !(raw.Kind == KindNSSuffix && len(raw.MatchRegex) > 0) {
		p.fail(at("match"), id, "no match values")
	}
	if len(raw.MatchRegex) > 0 && raw.Kind != KindNSSuffix {
		p.fail(at("match_regex"), id, "match_regex is only for kind ns_suffix")
	}
	if len(raw.RDAP) > 0 && raw.Kind != KindEPPStatus {
		p.fail(at("rdap"), id, "rdap is only for kind epp_status")
	}
	switch raw.AppliesTo {
	case "":
	case AppliesToNSAddress:
		if raw.Kind != KindIP && raw.Kind != KindCIDR {
			p.fail(at("applies_to"), id, "applies_to is only for kinds ip and cidr")
		}
	default:
		p.fail(at("applies_to"), id, "unknown applies_to %q (want ns_address)", raw.AppliesTo)
	}
	if raw.State == SigBlockedByResolver && raw.Kind != KindIP && raw.Kind != KindCIDR {
		p.fail(at("state"), id, "state blocked_by_resolver is only for kinds ip and cidr")
	}
}

// compileMatch builds the matchers of the signature's kind from its match
// values.
func (p *parser) compileMatch(s *Signature, raw *rawSignature, at func(string) int) {
	switch raw.Kind {
	case KindNSSuffix:
		p.compileNSSuffix(s, raw, at)
	case KindNSPair:
		p.compileNSPair(s, raw, at)
	case KindIP, KindCIDR:
		for _, m := range raw.Match {
			pv, err := parsePrefix(m.Value, raw.Kind == KindCIDR)
			if err != nil {
				p.fail(at("match"), raw.ID, "%v", err)
				continue
			}
			s.prefixes = append(s.prefixes, prefixValue{prefix: pv, operator: m.Operator})
		}
	case KindEPPStatus:
		p.compileEPPStatus(s, raw, at)
	case KindHTTPTitle, KindHTTPBody, KindWhoisRegistrar, KindWhoisRegistrant:
		for _, m := range raw.Match {
			re, err := compileRegex(m.Value)
			if err != nil {
				p.fail(at("match"), raw.ID, "regex %q: %v", m.Value, err)
				continue
			}
			s.regexes = append(s.regexes, re)
			if raw.Kind == KindHTTPBody {
				s.matchers = append(s.matchers, newTextMatcher(re))
			}
		}
	case KindHTTPAsset:
		for _, m := range raw.Match {
			v := strings.ToLower(strings.TrimSpace(m.Value))
			if v == "" {
				p.fail(at("match"), raw.ID, "empty asset")
				continue
			}
			s.assets = append(s.assets, v)
		}
	}
}

// compileNSSuffix: host name suffixes (which are also infrastructure to
// watch) and regular expressions over name server names.
func (p *parser) compileNSSuffix(s *Signature, raw *rawSignature, at func(string) int) {
	for _, m := range raw.Match {
		h, ok := hostName(m.Value)
		if !ok {
			p.fail(at("match"), raw.ID, "%q is not a host name", m.Value)
			continue
		}
		s.suffixes = append(s.suffixes, h)
		if n, err := domain.Normalize(h); err == nil {
			s.infra = appendUnique(s.infra, n.ASCII)
		}
	}
	for _, expr := range raw.MatchRegex {
		re, err := compileRegex(expr)
		if err != nil {
			p.fail(at("match_regex"), raw.ID, "match_regex %q: %v", expr, err)
			continue
		}
		s.regexes = append(s.regexes, re)
	}
}

// compileNSPair: at least two host names that must serve together.
func (p *parser) compileNSPair(s *Signature, raw *rawSignature, at func(string) int) {
	for _, m := range raw.Match {
		h, ok := hostName(m.Value)
		if !ok {
			p.fail(at("match"), raw.ID, "%q is not a host name", m.Value)
			continue
		}
		s.hosts = appendUnique(s.hosts, h)
	}
	if len(s.hosts) < 2 {
		p.fail(at("match"), raw.ID, "ns_pair needs at least two host names")
	}
}

// compileEPPStatus: EPP status codes, and the RDAP names paired with them.
func (p *parser) compileEPPStatus(s *Signature, raw *rawSignature, at func(string) int) {
	s.statuses = map[string]bool{}
	for _, m := range raw.Match {
		k := statusKey(m.Value)
		if k == "" {
			p.fail(at("match"), raw.ID, "empty status")
			continue
		}
		s.statuses[k] = true
	}
	for _, r := range raw.RDAP {
		if k := statusKey(r); !s.statuses[k] {
			p.fail(at("rdap"), raw.ID, "rdap name %q has no EPP code in match (RFC 8056 pairs them)", r)
		}
	}
}

// maxRegex bounds a pattern; RE2 is linear in the input but not in the
// pattern's size.
const maxRegex = 1024

func compileRegex(expr string) (*regexp.Regexp, error) {
	if len(expr) > maxRegex {
		return nil, fmt.Errorf("longer than %d bytes", maxRegex)
	}
	if expr == "" {
		return nil, errors.New("empty")
	}
	return regexp.Compile(expr)
}

func parsePrefix(v string, cidr bool) (netip.Prefix, error) {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "/") {
		if !cidr {
			return netip.Prefix{}, fmt.Errorf("%q is a network; kind ip takes addresses (use kind cidr)", v)
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR network", v)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address", v)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// hostName lower-cases a name server host and checks it is plausible: the
// file's own entries include names under no real TLD, so this does not
// require a public suffix.
func hostName(v string) (string, bool) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
	if h == "" || len(h) > 253 || strings.HasPrefix(h, ".") || strings.Contains(h, "..") {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", false
		}
	}
	return h, true
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

var ruleKeys = map[string]bool{
	"id": true, "state": true, "strength": true, "when": true, "not_when": true, "why": true, "sources": true,
}

func (p *parser) rule(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, "", "rule must be a mapping")
		return
	}
	var r struct {
		ID       string      `yaml:"id"`
		State    event.State `yaml:"state"`
		Strength string      `yaml:"strength"`
		When     string      `yaml:"when"`
		NotWhen  string      `yaml:"not_when"`
		Why      string      `yaml:"why"`
		Sources  []string    `yaml:"sources"`
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !ruleKeys[k.Value] {
			p.fail(k.Line, "", "rule: unknown key %q", k.Value)
			return
		}
	}
	if err := n.Decode(&r); err != nil {
		p.fail(n.Line, "", "rule: %s", trimYAMLError(err))
		return
	}
	if !idPattern.MatchString(r.ID) {
		p.fail(n.Line, "", "rule id %q must be lower case letters, digits, '.', '_' or '-'", r.ID)
		return
	}
	p.ind.Rules = append(p.ind.Rules, Rule{
		ID: r.ID, State: r.State, Strength: r.Strength, When: r.When, NotWhen: r.NotWhen,
		Why: r.Why, Sources: r.Sources, Line: n.Line,
	})
}

// WatchDomains returns the registrable domains of the seizure and sinkhole
// name servers (ns_suffix signatures of state seized or sinkholed), sorted:
// seized.gov, seizedservers.com, cirfu.net, microsoftinternetsafety.net,
// shadowserver.org, abuse.ch and so on. The daemon watches them too, because
// a lapse there hands every domain delegated to them to whoever registers it
// next (cirfu.net, 2015). Pairs of shared hosting name servers (the
// Cloudflare hint) are left out: cloudflare.com's registration says nothing
// about a seizure. Suffixes under no known public suffix are skipped.
func (ind *Indicators) WatchDomains() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ind.Signatures {
		if s.Kind != KindNSSuffix || (s.State != event.StateSeized && s.State != event.StateSinkholed) {
			continue
		}
		for _, d := range s.infra {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	sort.Strings(out)
	return out
}
