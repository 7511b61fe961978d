package pagesim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/net/html"

	"github.com/takedownhq/takedown/internal/base/netguard"
)

// MaxAnalyze bounds how much of a page Analyze reads.
const MaxAnalyze = 2 << 20

// The fields kept from a page are cut at what the store keeps of a page's
// title (httpprobe.MaxTitle) and a URL a browser accepts, cleaned of
// control and bidi characters.
const (
	MaxTitle = 512
	MaxURL   = 2048
)

// PageSignals is what a page shows that matters for phishing. It
// serializes to JSON for storage with the look-alike's other signals.
type PageSignals struct {
	Title string `json:"title,omitempty"`
	// PasswordField: an <input type=password> anywhere on the page.
	PasswordField bool `json:"password_field"`
	// LoginForm: a <form> holding a password field, or holding a user/e-mail
	// field with login wording (log in, sign in, verify…) in its attributes
	// or buttons.
	LoginForm bool `json:"login_form"`
	// BrandInTitle and BrandInText: one of the brand's names appears in
	// the title or the visible text, compared case- and space-insensitively.
	BrandInTitle bool `json:"brand_in_title"`
	BrandInText  bool `json:"brand_in_text"`
	// FaviconURL is the icon the page links (rel=icon), or /favicon.ico,
	// resolved against the page's URL; empty without a base URL.
	FaviconURL string `json:"favicon_url,omitempty"`
}

// Analyze reads a page's signals. base is the page's final URL (may be
// nil); brands are the brand's names ("PayPal", "paypal"): names shorter
// than four letters only match as whole words.
func Analyze(page []byte, base *url.URL, brands []string) PageSignals {
	if len(page) > MaxAnalyze {
		page = page[:MaxAnalyze]
	}
	var (
		s        PageSignals
		text     strings.Builder
		inTitle  bool
		skip     int // depth inside script/style
		form     *formState
		icon     string
		titleBuf strings.Builder
	)
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			switch tok.Data {
			case "script", "style", "noscript", "template":
				if tt == html.StartTagToken {
					skip++
				}
			case "title":
				inTitle = tt == html.StartTagToken
			case "form":
				form = &formState{}
				form.words(attrs(tok)...)
			case "input", "button":
				typ := strings.ToLower(attr(tok, "type"))
				if typ == "password" {
					s.PasswordField = true
				}
				if form != nil {
					form.input(typ, tok)
				}
			case "link":
				rel := strings.ToLower(attr(tok, "rel"))
				if icon == "" && strings.Contains(rel, "icon") {
					icon = attr(tok, "href")
				}
			}
		case html.EndTagToken:
			switch tok.Data {
			case "script", "style", "noscript", "template":
				if skip > 0 {
					skip--
				}
			case "title":
				inTitle = false
			case "form":
				if form != nil && form.login() {
					s.LoginForm = true
				}
				form = nil
			}
		case html.TextToken:
			switch {
			case inTitle:
				if titleBuf.Len() < 4*MaxTitle { // room for whitespace to collapse
					titleBuf.WriteString(tok.Data)
				}
			case skip == 0:
				text.WriteString(tok.Data)
				text.WriteByte(' ')
				if form != nil {
					form.words(tok.Data)
				}
			}
		}
	}
	if form != nil && form.login() { // unclosed form
		s.LoginForm = true
	}
	s.Title = netguard.Clean(titleBuf.String(), MaxTitle)
	for _, b := range brands {
		s.BrandInTitle = s.BrandInTitle || containsBrand(s.Title, b)
		s.BrandInText = s.BrandInText || containsBrand(text.String(), b)
	}
	if base != nil {
		if icon == "" {
			icon = "/favicon.ico"
		}
		if u, err := base.Parse(icon); err == nil && (u.Scheme == "http" || u.Scheme == "https") && len(u.String()) <= MaxURL {
			s.FaviconURL = u.String() // a cut URL would name another resource: none rather
		}
	}
	return s
}

type formState struct {
	password, user, submit bool
	wording                strings.Builder
}

var loginWords = []string{"login", "log in", "logon", "log on", "signin", "sign in", "sign-in", "verify", "password", "passcode", "account"}

func (f *formState) words(w ...string) {
	for _, s := range w {
		f.wording.WriteString(strings.ToLower(s))
		f.wording.WriteByte(' ')
	}
}

func (f *formState) input(typ string, tok html.Token) {
	name := strings.ToLower(attr(tok, "name") + " " + attr(tok, "id") + " " + attr(tok, "autocomplete"))
	switch {
	case typ == "password":
		f.password = true
	case typ == "email", strings.Contains(name, "user"), strings.Contains(name, "email"),
		strings.Contains(name, "login"), strings.Contains(name, "username"):
		f.user = true
	case typ == "submit" || tok.Data == "button":
		f.submit = true
	}
	f.words(name, attr(tok, "value"), attr(tok, "placeholder"), attr(tok, "aria-label"))
}

func (f *formState) login() bool {
	if f.password {
		return true
	}
	if !f.user {
		return false
	}
	w := f.wording.String()
	for _, k := range loginWords {
		if strings.Contains(w, k) {
			return true
		}
	}
	return false
}

func attr(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func attrs(t html.Token) []string {
	out := make([]string, 0, len(t.Attr))
	for _, a := range t.Attr {
		out = append(out, a.Val)
	}
	return out
}

// containsBrand reports whether brand appears in text, ignoring case and
// anything that is not a letter or digit ("Pay Pal", "PAYPAL", "pay-pal").
// Brands shorter than four letters must stand as a whole word.
func containsBrand(text, brand string) bool {
	b := squash(brand)
	if b == "" {
		return false
	}
	if len(b) >= 4 {
		return strings.Contains(squash(text), b)
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if w == b {
			return true
		}
	}
	return false
}

func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Favicon identifies an icon two ways.
//
// MMH3 is Shodan's favicon hash: MurmurHash3 (x86, 32-bit, seed 0) of the
// icon's base64 with a newline every 76 characters and at the end (Python's
// base64.encodebytes), as a signed integer. It is the number analysts paste
// into Shodan (http.favicon.hash:N) or Censys to find other hosts serving
// the same icon, so it is what a report should quote. It is 32 bits and
// not collision resistant, so SHA256 (of the raw bytes) is kept too, for
// exact identity with the brand's icon.
type Favicon struct {
	MMH3   int32  `json:"mmh3"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// HashFavicon hashes an icon's bytes.
func HashFavicon(icon []byte) Favicon {
	sum := sha256.Sum256(icon)
	return Favicon{MMH3: int32(murmur3(encodeBytes(icon), 0)), SHA256: hex.EncodeToString(sum[:]), Bytes: len(icon)}
}

// encodeBytes is Python's base64.encodebytes: 76-character lines, each
// ending in a newline.
func encodeBytes(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for len(enc) > 76 {
		out.WriteString(enc[:76])
		out.WriteByte('\n')
		enc = enc[76:]
	}
	if len(enc) > 0 {
		out.WriteString(enc)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// murmur3 is MurmurHash3_x86_32.
func murmur3(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(data) / 4
	for i := range n {
		k := uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
		h = h<<13 | h>>19
		h = h*5 + 0xe6546b64
	}
	tail := data[4*n:]
	var k uint32
	switch len(tail) {
	case 3:
		k ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(tail[0])
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
