package report

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds on the free text a report copies from the evidence, in runes.
const (
	maxLine = 300  // one-line values: titles, names, WHOIS fields
	maxText = 4000 // multi-line values: the case note
	maxURLs = 20   // URLs listed per report
	maxList = 50   // addresses, name servers, SANs, statuses, reasons
	maxURL  = 2048 // bytes in one URL
)

// cleanLine makes s safe to print on one line: invalid UTF-8 becomes
// U+FFFD, every control character (CR and LF included, so no header or
// table row can be split) becomes a space, bidi controls become a visible
// "<U+202E>" so a reversed title cannot hide what it says, and the result
// is cut to max runes.
func cleanLine(s string, max int) string {
	return clean(s, max, false)
}

// cleanText is cleanLine for text that may span lines: CR LF and CR become
// LF, tabs stay, other controls become spaces.
func cleanText(s string, max int) string {
	return clean(s, max, true)
}

func clean(s string, max int, multiline bool) string {
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if n >= max {
			b.WriteString("…")
			break
		}
		n++
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case multiline && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case multiline && (r == '\r' || r == '\u2028' || r == '\u2029'):
			b.WriteByte('\n')
		case unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if !multiline {
		out = strings.TrimSpace(out)
	}
	return out
}

// cleanList cleans each value of list as one line, drops empty ones and
// keeps at most max.
func cleanList(list []string, max int) []string {
	var out []string
	for _, v := range list {
		if len(out) == max {
			break
		}
		if v = cleanLine(v, maxLine); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// isHostname reports whether s is an ASCII host name of LDH labels, the
// only form a report names a domain in where a format wants a host name.
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// cleanHost returns s lower-cased without a trailing dot when it is a host
// name, else "".
func cleanHost(s string) string {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if !isHostname(s) {
		return ""
	}
	return s
}

// cleanAddrs returns the valid IP addresses of list, canonical, at most max.
func cleanAddrs(list []string, max int) []netip.Addr {
	var out []netip.Addr
	for _, v := range list {
		if len(out) == max {
			break
		}
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil || a.Zone() != "" {
			continue
		}
		out = append(out, a.Unmap())
	}
	return out
}

// cleanURL returns u re-encoded when it is an absolute http or https URL
// with a host and no user info, else "". Re-encoding percent-escapes
// spaces, controls and quotes, so the result is one inert token.
func cleanURL(u string) string {
	if len(u) > maxURL {
		return ""
	}
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil || p.Opaque != "" {
		return ""
	}
	h := p.Hostname()
	if cleanHost(h) == "" {
		if _, err := netip.ParseAddr(strings.Trim(h, "[]")); err != nil {
			return ""
		}
	}
	p.Host = strings.ToLower(p.Host)
	p.Fragment, p.RawFragment = "", ""
	s := p.String()
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || strings.IndexByte(`"'<>\^`+"`{|}", s[i]) >= 0 {
			return ""
		}
	}
	return s
}

// reportURLs lists the content URLs of ev, cleaned, final URL first, at
// most maxURLs, without duplicates.
func reportURLs(ev *Evidence) []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range append([]string{ev.Content.FinalURL}, ev.Content.URLs...) {
		if u = cleanURL(u); u != "" && !seen[u] && len(out) < maxURLs {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// screenshot returns the screenshot when it is a PNG no larger than
// MaxAttachment, else nil: a report never carries more than the store keeps
// nor bytes that only claim to be an image.
func screenshot(ev *Evidence) []byte {
	png := ev.Screenshot
	if len(png) == 0 || len(png) > MaxAttachment || !strings.HasPrefix(string(png[:min(8, len(png))]), "\x89PNG\r\n\x1a\n") {
		return nil
	}
	return png
}

// uuid4 returns a random RFC 9562 version 4 UUID.
func uuid4() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// uuid5 returns the RFC 9562 version 5 UUID of name in namespace ns (a UUID
// in its text form).
func uuid5(ns, name string) string {
	nsb, err := hex.DecodeString(strings.ReplaceAll(ns, "-", ""))
	if err != nil || len(nsb) != 16 {
		panic(fmt.Sprintf("uuid5 namespace %q", ns)) // namespaces are constants of this package
	}
	h := sha1.New()
	h.Write(nsb)
	h.Write([]byte(name))
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// generated returns the report's time: ev.Generated, or now, in UTC.
func generated(ev *Evidence) time.Time {
	if ev.Generated.IsZero() {
		return time.Now().UTC()
	}
	return ev.Generated.UTC()
}

// firstLast returns the earliest first-seen and the latest last-seen of
// the snapshots, falling back to the case's opening and the report's time.
func firstLast(ev *Evidence, now time.Time) (first, last time.Time) {
	for _, s := range ev.Snapshots {
		if !s.FirstSeen.IsZero() && (first.IsZero() || s.FirstSeen.Before(first)) {
			first = s.FirstSeen
		}
		if s.LastSeen.After(last) {
			last = s.LastSeen
		}
	}
	if first.IsZero() {
		first = ev.Case.Opened
	}
	if first.IsZero() {
		first = now
	}
	if last.Before(first) {
		last = first
	}
	return first.UTC(), last.UTC()
}

// reasonLabel is the reason in words for titles.
func reasonLabel(reason string) string {
	switch reason {
	case ReasonPhishing:
		return "Phishing"
	case ReasonMalware:
		return "Malware distribution"
	case ReasonBrand:
		return "Brand infringement"
	case ReasonFraud:
		return "Fraud"
	}
	return "Abuse"
}
