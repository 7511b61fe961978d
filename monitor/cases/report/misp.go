package report

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// mispTemplate is the part of a MISP object template (MISP/misp-objects
// objects/NAME/definition.json) an object carries with it.
type mispTemplate struct {
	name, metaCategory, uuid, version, description string
}

// The templates the event's objects follow, at the versions read.
var (
	mispDomainIP = mispTemplate{"domain-ip", "network", "43b3b146-77eb-4931-b4cc-b66c60f28734", "11", "A domain/hostname and IP address seen as a tuple in a specific time frame."}
	mispWhois    = mispTemplate{"whois", "network", "429faea1-34ff-47af-8a00-7c62d3be5a6a", "10", "Whois records information for a domain name or an IP address."}
	mispURL      = mispTemplate{"url", "network", "60efb77b-40b5-4c46-871b-ed1ed999fce5", "10", "url object describes an url along with its normalized field (like extracted using faup parsing library) and its metadata."}
	mispX509     = mispTemplate{"x509", "network", "d1ab756a-26b5-4349-9f43-765630f0911c", "14", "x509 object describing a X.509 certificate"}
)

type mispAttribute struct {
	UUID           string `json:"uuid"`
	Type           string `json:"type"`
	Category       string `json:"category"`
	Value          string `json:"value"`
	ToIDs          bool   `json:"to_ids"`
	Distribution   string `json:"distribution"`
	SharingGroupID string `json:"sharing_group_id"`
	Timestamp      string `json:"timestamp"`
	Comment        string `json:"comment,omitempty"`
	Deleted        bool   `json:"deleted"`
	ObjectRelation string `json:"object_relation,omitempty"`
	Data           string `json:"data,omitempty"`
}

type mispObject struct {
	UUID            string          `json:"uuid"`
	Name            string          `json:"name"`
	MetaCategory    string          `json:"meta-category"`
	Description     string          `json:"description"`
	TemplateUUID    string          `json:"template_uuid"`
	TemplateVersion string          `json:"template_version"`
	Timestamp       string          `json:"timestamp"`
	Distribution    string          `json:"distribution"`
	SharingGroupID  string          `json:"sharing_group_id"`
	Comment         string          `json:"comment,omitempty"`
	Deleted         bool            `json:"deleted"`
	Attribute       []mispAttribute `json:"Attribute"`
}

type mispOrg struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

type mispTag struct {
	Name string `json:"name"`
}

type mispEvent struct {
	UUID             string          `json:"uuid"`
	Info             string          `json:"info"`
	Date             string          `json:"date"`
	ThreatLevelID    string          `json:"threat_level_id"`
	Analysis         string          `json:"analysis"`
	Distribution     string          `json:"distribution"`
	SharingGroupID   string          `json:"sharing_group_id"`
	Published        bool            `json:"published"`
	Timestamp        string          `json:"timestamp"`
	PublishTimestamp string          `json:"publish_timestamp"`
	Orgc             *mispOrg        `json:"Orgc,omitempty"`
	Tag              []mispTag       `json:"Tag,omitempty"`
	Attribute        []mispAttribute `json:"Attribute"`
	Object           []mispObject    `json:"Object"`
}

// mispOrgNamespace names reporter organisations by UUIDv5, so every event
// from one team carries the same Orgc uuid.
const mispOrgNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8" // RFC 9562's URL namespace

// mispTime is MISP's datetime value: ISO 8601 to the microsecond.
func mispTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000+00:00") }

type mispBuilder struct {
	ts string
	// Distribution "0" (your organisation only): a report leaves the
	// analyst's hands unshared, and they widen it in MISP on purpose.
	dist string
}

func (b *mispBuilder) attr(typ, category, relation, value string, toIDs bool) mispAttribute {
	return mispAttribute{UUID: uuid4(), Type: typ, Category: category, Value: value, ToIDs: toIDs, Distribution: "5", SharingGroupID: "0", Timestamp: b.ts, ObjectRelation: relation}
}

func (b *mispBuilder) object(t mispTemplate, attrs []mispAttribute) mispObject {
	return mispObject{UUID: uuid4(), Name: t.name, MetaCategory: t.metaCategory, Description: t.description, TemplateUUID: t.uuid, TemplateVersion: t.version, Timestamp: b.ts, Distribution: b.dist, SharingGroupID: "0", Attribute: attrs}
}

// mispThreat maps the risk level to threat_level_id: 1 high, 2 medium,
// 3 low, 4 undefined.
func mispThreat(level string) string {
	switch strings.ToLower(level) {
	case "critical", "high":
		return "1"
	case "medium":
		return "2"
	case "low":
		return "3"
	}
	return "4"
}

func encodeMISP(w io.Writer, p *prepared) error {
	b := &mispBuilder{ts: strconv.FormatInt(p.now.Unix(), 10), dist: "0"}
	first, last := firstLast(&p.Evidence, p.now)
	ev := mispEvent{
		UUID: uuid4(), Info: cut(reasonLabel(p.Case.Reason)+" on "+p.Case.Domain+brandSuffix(p), 256),
		Date: first.Format("2006-01-02"), ThreatLevelID: mispThreat(p.Risk.Level), Analysis: "1",
		Distribution: b.dist, SharingGroupID: "0", Timestamp: b.ts, PublishTimestamp: "0",
		Tag:       []mispTag{{Name: "tlp:amber"}, {Name: "takedown:reason=\"" + p.Case.Reason + "\""}},
		Attribute: []mispAttribute{},
	}
	if org := firstNonEmpty(p.Reporter.Org, p.Reporter.Name); org != "" {
		ev.Orgc = &mispOrg{UUID: uuid5(mispOrgNamespace, "takedown-org:"+org), Name: org}
	}
	ev.Object = append(ev.Object, b.domainIP(p, first, last), b.whois(p))
	// url: one object per URL the content was served at.
	for _, u := range p.Content.URLs {
		ev.Object = append(ev.Object, b.url(p, u))
	}
	// x509: the certificate, when one of the template's required-one-of
	// attributes is known.
	if k := p.Cert; k != nil && (k.SHA256 != "" || k.Serial != "" || k.Issuer != "") {
		ev.Object = append(ev.Object, b.x509(k))
	}
	ev.Attribute = append(ev.Attribute, b.loose(p)...)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]mispEvent{"Event": ev}); err != nil {
		return err
	}
	return nil
}

// domainIP is the domain with what it resolves to, in the time it was seen.
func (b *mispBuilder) domainIP(p *prepared, first, last time.Time) mispObject {
	di := []mispAttribute{b.attr("domain", "Network activity", "domain", p.Case.Domain, true)}
	for _, a := range p.DNS.Addresses {
		di = append(di, b.attr("ip-dst", "Network activity", "ip", a, true))
	}
	di = append(di, b.attr("datetime", "Other", "first-seen", mispTime(first), false), b.attr("datetime", "Other", "last-seen", mispTime(last), false))
	if !p.Registration.Created.IsZero() {
		di = append(di, b.attr("datetime", "Other", "registration-date", mispTime(p.Registration.Created), false))
	}
	return b.object(mispDomainIP, di)
}

// whois is the registration.
func (b *mispBuilder) whois(p *prepared) mispObject {
	wh := []mispAttribute{b.attr("domain", "Network activity", "domain", p.Case.Domain, true)}
	if p.Registration.Registrar != "" {
		wh = append(wh, b.attr("whois-registrar", "Attribution", "registrar", p.Registration.Registrar, false))
	}
	if !p.Registration.Created.IsZero() {
		wh = append(wh, b.attr("datetime", "Other", "creation-date", mispTime(p.Registration.Created), false))
	}
	if !p.Registration.Expires.IsZero() {
		wh = append(wh, b.attr("datetime", "Other", "expiration-date", mispTime(p.Registration.Expires), false))
	}
	for _, ns := range p.DNS.NameServers {
		wh = append(wh, b.attr("hostname", "Network activity", "nameserver", ns, false))
	}
	if t := mispWhoisText(p); t != "" {
		wh = append(wh, b.attr("text", "Other", "text", t, false))
	}
	return b.object(mispWhois, wh)
}

func (b *mispBuilder) url(p *prepared, u string) mispObject {
	ua := []mispAttribute{b.attr("url", "Network activity", "url", u, true)}
	if h, scheme := urlHostScheme(u); h != "" {
		ua = append(ua, b.attr("hostname", "Network activity", "host", h, false), b.attr("text", "Other", "scheme", scheme, false))
	}
	if u == p.Content.FinalURL && p.Content.Title != "" {
		ua = append(ua, b.attr("text", "Other", "text", "Page title: "+p.Content.Title, false))
	}
	return b.object(mispURL, ua)
}

func (b *mispBuilder) x509(k *Cert) mispObject {
	var xa []mispAttribute
	if k.SHA256 != "" {
		xa = append(xa, b.attr("x509-fingerprint-sha256", "Network activity", "x509-fingerprint-sha256", k.SHA256, true))
	}
	if k.Serial != "" {
		xa = append(xa, b.attr("text", "Other", "serial-number", k.Serial, false))
	}
	if k.Issuer != "" {
		xa = append(xa, b.attr("text", "Other", "issuer", k.Issuer, false))
	}
	if k.Subject != "" {
		xa = append(xa, b.attr("text", "Other", "subject", k.Subject, false))
	}
	if !k.NotBefore.IsZero() {
		xa = append(xa, b.attr("datetime", "Other", "validity-not-before", mispTime(k.NotBefore), false))
	}
	if !k.NotAfter.IsZero() {
		xa = append(xa, b.attr("datetime", "Other", "validity-not-after", mispTime(k.NotAfter), false))
	}
	for _, san := range k.SANs {
		if h := cleanHost(strings.TrimPrefix(san, "*.")); h != "" {
			xa = append(xa, b.attr("hostname", "Network activity", "dns_names", san, false))
		}
	}
	return b.object(mispX509, xa)
}

// loose are the attributes outside objects: the screenshot as an
// attachment, the reasons and the analyst's note as text.
func (b *mispBuilder) loose(p *prepared) []mispAttribute {
	var out []mispAttribute
	if p.png != nil {
		a := b.attr("attachment", "External analysis", "", screenshotName(p.Case.Domain), false)
		a.Data = base64.StdEncoding.EncodeToString(p.png)
		if !p.ScreenshotAt.IsZero() {
			a.Comment = "Screenshot taken " + mispTime(p.ScreenshotAt)
		}
		out = append(out, a)
	}
	if len(p.Risk.Reasons) > 0 {
		a := b.attr("text", "Other", "", strings.Join(p.Risk.Reasons, "\n"), false)
		a.Comment = fmt.Sprintf("Risk %s, score %d", firstNonEmpty(p.Risk.Level, "unknown"), p.Risk.Score)
		out = append(out, a)
	}
	if p.Case.Note != "" {
		a := b.attr("comment", "Other", "", p.Case.Note, false)
		a.Comment = "Analyst note"
		out = append(out, a)
	}
	return out
}

func brandSuffix(p *prepared) string {
	if p.Content.Brand == "" {
		return ""
	}
	return ", imitating " + p.Content.Brand
}

// mispWhoisText is the registration facts the whois template has no
// attribute for: the IANA ID and the EPP statuses.
func mispWhoisText(p *prepared) string {
	var parts []string
	if id := p.Registration.RegistrarIANAID; id != "" {
		parts = append(parts, "Registrar IANA ID: "+id)
	}
	if len(p.Registration.Statuses) > 0 {
		parts = append(parts, "Status: "+strings.Join(p.Registration.Statuses, ", "))
	}
	return strings.Join(parts, "\n")
}

func urlHostScheme(u string) (host, scheme string) {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "", ""
	}
	host, _, _ = strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	return cleanHost(host), scheme
}
