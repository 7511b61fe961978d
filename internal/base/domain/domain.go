// Package domain turns whatever a user, a file or a feed calls a domain into
// the registrable domain in canonical ASCII form. Every part of takedown that
// accepts a name goes through Normalize, so the watchlist, the history and the
// feeds agree on what a name is.
package domain

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Name is a registrable domain in its two spellings.
type Name struct {
	ASCII   string // punycode, lower case, no trailing dot: the key everywhere
	Unicode string // what a person reads; equal to ASCII for plain names
}

func (n Name) String() string { return n.ASCII }

// Error says why a value is not a domain. Value is the input as given.
type Error struct {
	Value  string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("%q: %s", e.Value, e.Reason) }

// ErrInvalid is matched by every *Error, for callers that only branch on it.
var ErrInvalid = errors.New("invalid domain")

func (e *Error) Is(target error) bool { return target == ErrInvalid }

const (
	maxName  = 253
	maxLabel = 63
	// maxInput bounds the work done on hostile feed lines before rejecting.
	maxInput = 2048
)

// The lookup profile is what browsers and registries apply: UTS #46 mapping
// (case folding, full-width forms), IDNA 2008 validity, the Bidi rule and
// STD3 ASCII rules.
var profile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
	idna.Transitional(false),
)

var display = idna.New(idna.Transitional(false))

// Normalize accepts a bare name, a URL ("https://www.Example.com/path"), a
// host with a port, upper case, a trailing dot or Unicode, and returns the
// registrable domain under the ICANN section of the public suffix list:
// "www.paypal.co.uk" gives "paypal.co.uk". It refuses bare public suffixes,
// IP addresses, empty or oversized labels and characters not allowed in a
// host name, with an *Error naming the reason.
func Normalize(value string) (Name, error) {
	host, err := hostOf(value)
	if err != nil {
		return Name{}, &Error{Value: value, Reason: err.Error()}
	}
	ascii, err := canonical(host)
	if err != nil {
		return Name{}, &Error{Value: value, Reason: err.Error()}
	}
	reg, err := registrable(ascii)
	if err != nil {
		return Name{}, &Error{Value: value, Reason: err.Error()}
	}
	uni, err := display.ToUnicode(reg)
	if err != nil {
		uni = reg
	}
	return Name{ASCII: reg, Unicode: uni}, nil
}

// Host is like Normalize but keeps subdomains: "WWW.Bücher.com." gives
// "www.xn--bcher-kva.com". The name must still lie under a known public
// suffix and not be one.
func Host(value string) (string, error) {
	host, err := hostOf(value)
	if err != nil {
		return "", &Error{Value: value, Reason: err.Error()}
	}
	ascii, err := canonical(host)
	if err != nil {
		return "", &Error{Value: value, Reason: err.Error()}
	}
	if _, err := registrable(ascii); err != nil {
		return "", &Error{Value: value, Reason: err.Error()}
	}
	return ascii, nil
}

// hostOf strips what surrounds a host name: spaces, a URL's scheme, user
// info, port and path.
func hostOf(value string) (string, error) {
	s := strings.TrimSpace(value)
	if s == "" {
		return "", errors.New("empty name")
	}
	if len(s) > maxInput {
		return "", fmt.Errorf("longer than %d bytes", maxInput)
	}
	if !utf8.ValidString(s) {
		return "", errors.New("not valid UTF-8")
	}
	if i := strings.Index(s, "://"); i >= 0 {
		scheme := s[:i]
		if !validScheme(scheme) {
			return "", fmt.Errorf("bad URL scheme %q", scheme)
		}
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("bad URL: %v", unwrapURLError(err))
		}
		if u.Host == "" {
			return "", errors.New("URL has no host")
		}
		s = u.Hostname()
	} else {
		if i := strings.IndexAny(s, "/?#"); i >= 0 {
			s = s[:i]
		}
		if i := strings.LastIndexByte(s, '@'); i >= 0 {
			s = s[i+1:]
		}
		if h, _, err := net.SplitHostPort(s); err == nil {
			s = h
		}
	}
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", errors.New("empty name")
	}
	if isIP(s) {
		return "", errors.New("an IP address, not a domain")
	}
	return s, nil
}

func isIP(s string) bool {
	s = strings.TrimPrefix(strings.TrimSuffix(s, "]"), "[")
	if i := strings.IndexByte(s, '%'); i >= 0 {
		s = s[:i]
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// canonical maps a host through UTS #46 and checks the DNS length and
// character rules on the ASCII result.
func canonical(host string) (string, error) {
	// Check plain ASCII labels before IDNA, whose messages are vague.
	for _, l := range strings.Split(host, ".") {
		if l == "" {
			return "", errors.New("empty label")
		}
		if isASCII(l) {
			if err := checkLabel(strings.ToLower(l)); err != nil {
				return "", err
			}
		}
	}
	ascii, err := profile.ToASCII(host)
	if err != nil {
		return "", idnaReason(err)
	}
	ascii = strings.TrimSuffix(ascii, ".")
	if len(ascii) > maxName {
		return "", fmt.Errorf("name is %d octets, over %d", len(ascii), maxName)
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", errors.New("a bare top-level domain")
	}
	for _, l := range labels {
		if err := checkLabel(l); err != nil {
			return "", err
		}
	}
	if tld := labels[len(labels)-1]; allDigits(tld) {
		return "", errors.New("numeric top-level domain")
	}
	return ascii, nil
}

func idnaReason(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "idna: ")
	switch {
	case strings.Contains(msg, "disallowed rune"):
		return fmt.Errorf("bad character: %s", strings.TrimPrefix(msg, "disallowed rune "))
	case strings.Contains(msg, "invalid label"):
		return fmt.Errorf("invalid label (%s)", msg)
	}
	return errors.New(msg)
}

func checkLabel(l string) error {
	if l == "" {
		return errors.New("empty label")
	}
	if len(l) > maxLabel {
		return fmt.Errorf("label %.20q… is %d octets, over %d", l, len(l), maxLabel)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("bad character %q in label %q", c, l)
		}
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with a hyphen", l)
	}
	if len(l) >= 4 && l[2:4] == "--" && l[:2] != "xn" {
		return fmt.Errorf("label %q has hyphens in the 3rd and 4th positions, reserved for encodings", l)
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Suffix returns the ICANN public suffix of an ASCII name and whether the
// list knows it. Private entries (blogspot.com, github.io) are skipped: a
// registry, not a hosting company, answers WHOIS and runs the delegation.
func Suffix(ascii string) (string, bool) {
	ps, icann := publicsuffix.PublicSuffix(ascii)
	for !icann {
		i := strings.IndexByte(ps, '.')
		if i < 0 {
			return ps, false
		}
		ps, icann = publicsuffix.PublicSuffix(ps[i+1:])
	}
	return ps, true
}

func registrable(ascii string) (string, error) {
	ps, known := Suffix(ascii)
	if !known {
		return "", fmt.Errorf("unknown top-level domain %q", ps)
	}
	if ps == ascii {
		return "", fmt.Errorf("%q is a public suffix, not a registrable domain", ascii)
	}
	rest := strings.TrimSuffix(ascii, "."+ps)
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		rest = rest[i+1:]
	}
	return rest + "." + ps, nil
}

// Label returns the registrable label of an ASCII registrable domain and its
// suffix: "paypal.co.uk" gives "paypal", "co.uk".
func Label(ascii string) (label, suffix string) {
	ps, _ := Suffix(ascii)
	if ps == ascii || !strings.HasSuffix(ascii, "."+ps) {
		i := strings.IndexByte(ascii, '.')
		if i < 0 {
			return ascii, ""
		}
		return ascii[:i], ascii[i+1:]
	}
	return strings.TrimSuffix(ascii, "."+ps), ps
}

// TLD returns the last label of a name.
func TLD(ascii string) string {
	if i := strings.LastIndexByte(ascii, '.'); i >= 0 {
		return ascii[i+1:]
	}
	return ascii
}
