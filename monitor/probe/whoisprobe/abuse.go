package whoisprobe

import (
	"bufio"
	"net/mail"
	"strings"

	"github.com/openrdap/rdap"
)

// Where an abuse contact was read, as stored in registrar_abuse_source.
const (
	AbuseFromRDAP  = "rdap entity role abuse"
	AbuseFromWHOIS = "whois Registrar Abuse Contact Email"
)

// rdapAbuse finds the abuse contact of a domain object: an entity with
// role abuse inside the registrar's entity (the ICANN RDAP profile), else
// one at the top level.
func rdapAbuse(dom *rdap.Domain) (email, phone string) {
	for i := range dom.Entities {
		e := &dom.Entities[i]
		if !hasRole(e, "registrar") {
			continue
		}
		for j := range e.Entities {
			if a := &e.Entities[j]; hasRole(a, "abuse") {
				return vcardEmail(a.VCard), vcardTel(a.VCard)
			}
		}
	}
	for i := range dom.Entities {
		if a := &dom.Entities[i]; hasRole(a, "abuse") {
			return vcardEmail(a.VCard), vcardTel(a.VCard)
		}
	}
	return "", ""
}

// EntityAbuse is the abuse contact of any RDAP entity list (a network's
// entities, for IP RDAP): an entity with role abuse at the top level or
// one level down (RIPE hangs abuse-c under the org entity).
func EntityAbuse(ents []rdap.Entity) (email, phone string) {
	for i := range ents {
		if a := &ents[i]; hasRole(a, "abuse") {
			if em, ph := vcardEmail(a.VCard), vcardTel(a.VCard); em != "" || ph != "" {
				return em, ph
			}
		}
	}
	for i := range ents {
		for j := range ents[i].Entities {
			if a := &ents[i].Entities[j]; hasRole(a, "abuse") {
				if em, ph := vcardEmail(a.VCard), vcardTel(a.VCard); em != "" || ph != "" {
					return em, ph
				}
			}
		}
	}
	return "", ""
}

func vcardEmail(v *rdap.VCard) string { return normEmail(vcardText(v, "email")) }

// vcardTel reads a tel property, which jCard writes as text or as a
// "tel:" URI.
func vcardTel(v *rdap.VCard) string {
	return normPhone(strings.TrimPrefix(vcardText(v, "tel"), "tel:"))
}

// whoisAbuse reads the RAA 2013 lines "Registrar Abuse Contact Email:" and
// "Registrar Abuse Contact Phone:" of a WHOIS reply.
func whoisAbuse(text string) (email, phone string) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "registrar abuse contact email":
			if email == "" {
				email = normEmail(v)
			}
		case "registrar abuse contact phone":
			if phone == "" {
				phone = normPhone(v)
			}
		}
	}
	return email, phone
}

// NormEmail keeps an address that parses as one bare e-mail address,
// lower-cased; anything else gives "".
func NormEmail(s string) string { return normEmail(s) }

func normEmail(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "mailto:")
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return ""
	}
	return strings.ToLower(s)
}

// NormPhone keeps digits, +, -, ., spaces, parentheses and "ext"/"x" of a
// phone number, at most 40 characters; anything else gives "".
func NormPhone(s string) string { return normPhone(s) }

func normPhone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 40 {
		return ""
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-. ()xXet;=", r):
		default:
			return ""
		}
	}
	if digits < 4 {
		return ""
	}
	return s
}
