package httpprobe

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/takedownhq/takedown/internal/base/netguard"
)

// Limits on what is kept from a page.
const (
	// MaxText is the excerpt of visible text kept, in bytes. Seizure and
	// parking wording sits near the top of a page.
	MaxText = 8 << 10
	// MaxTitle bounds the title, in bytes.
	MaxTitle = 512
	// MaxAssets bounds the asset list; MaxAsset each entry, in bytes.
	MaxAssets = 64
	MaxAsset  = 512
)

// Extracted is what a page says, as plain cleaned text.
type Extracted struct {
	// Title is the first <title>, entities decoded, cleaned.
	Title string
	// Text is the start of the visible text (MaxText bytes): text outside
	// script, style and similar elements, plus image alt text (a banner
	// that is only an image often says it in alt), whitespace collapsed.
	Text string
	// TextHash is the SHA-256 (hex) of the whole visible text, not only of
	// the excerpt, so a change anywhere in the page shows.
	TextHash string
	// Assets are the distinct paths of images, scripts, style sheets,
	// frames and CSS url(...) references, in document order.
	Assets []string
	// Refresh is the target of a <meta http-equiv="refresh">, not followed.
	Refresh string
	// Trackers are the analytics and pixel IDs found in scripts and asset
	// URLs (UA-…, G-…, GTM-…, ym:N, fbq:N), at most MaxTrackers.
	Trackers []string
}

// skipText are elements whose text a visitor does not see.
var skipText = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Noembed: true, atom.Noframes: true, atom.Object: true,
	atom.Xmp: true,
}

// assetAttr names the attribute holding an asset path, per element.
var assetAttr = map[atom.Atom]string{
	atom.Img: "src", atom.Script: "src", atom.Link: "href", atom.Source: "src",
	atom.Iframe: "src", atom.Frame: "src", atom.Embed: "src", atom.Object: "data",
	atom.Video: "poster", atom.Audio: "src", atom.Input: "src", atom.Body: "background",
}

var cssURL = regexp.MustCompile(`url\(\s*['"]?([^'")\s]{1,1000})['"]?\s*\)`)

// textSink collects visible text as netguard.Clean would leave it
// (controls and invalid UTF-8 as U+FFFD, whitespace runs as one space,
// ends trimmed) without building the whole text: it streams into the hash
// and keeps only the excerpt, so a 2 MiB body of NULs costs no more than
// its own size.
type textSink struct {
	h       hash.Hash
	buf     []byte // pending bytes for h
	excerpt []byte
	started bool // something was written
	space   bool // a space is owed before the next character
	full    bool // the excerpt has reached MaxText
}

func newTextSink() *textSink {
	return &textSink{h: sha256.New(), buf: make([]byte, 0, 4096)}
}

// add appends one piece of text; pieces are separated by a space.
func (t *textSink) add(raw []byte) {
	t.space = t.started
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
		case unicode.IsSpace(r):
			t.space = t.started
			continue
		case netguard.IsControl(r):
			r = utf8.RuneError
		}
		if t.space {
			t.emit(' ')
			t.space = false
		}
		t.emit(r)
		t.started = true
	}
}

func (t *textSink) emit(r rune) {
	if len(t.buf)+utf8.UTFMax > cap(t.buf) {
		t.h.Write(t.buf)
		t.buf = t.buf[:0]
	}
	t.buf = utf8.AppendRune(t.buf, r)
	if !t.full {
		if len(t.excerpt)+utf8.RuneLen(r) > MaxText {
			t.full = true
			return
		}
		t.excerpt = utf8.AppendRune(t.excerpt, r)
	}
}

// text returns the excerpt, without a trailing space left by the cut.
func (t *textSink) text() string { return strings.TrimSuffix(string(t.excerpt), " ") }

func (t *textSink) sum() string {
	t.h.Write(t.buf)
	t.buf = t.buf[:0]
	return hex.EncodeToString(t.h.Sum(nil))
}

type assetList struct {
	seen map[string]bool
	list []string
}

func (a *assetList) add(raw string) {
	s := netguard.Clean(raw, MaxAsset)
	if s == "" || len(a.list) >= MaxAssets || a.seen[s] {
		return
	}
	a.seen[s] = true
	a.list = append(a.list, s)
}

// Extract reads HTML from r to its end (the caller bounds r) and returns
// the title, visible text and asset paths. It does not fail: whatever is
// malformed is read as the HTML5 tokenizer reads it. Read errors from r end
// the extraction; the caller checks them on its reader.
func Extract(r io.Reader) Extracted {
	z := html.NewTokenizer(r)
	text := newTextSink()
	assets := &assetList{seen: map[string]bool{}}
	var tr trackers
	var (
		title, refresh string
		haveTitle      bool
		raw            atom.Atom // the raw-text element whose content comes next
	)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return Extracted{
				Title:    title,
				Text:     text.text(),
				TextHash: text.sum(),
				Assets:   assets.list,
				Refresh:  refresh,
				Trackers: tr.list,
			}
		case html.TextToken:
			switch {
			case raw == atom.Title:
				if !haveTitle {
					title, haveTitle = netguard.Clean(string(z.Text()), MaxTitle), true
				}
			case raw == atom.Style:
				for _, m := range cssURL.FindAllSubmatch(z.Raw(), -1) {
					assets.add(string(m[1]))
				}
			case raw == atom.Script || raw == atom.Noscript:
				tr.scan(z.Raw())
			case skipText[raw]:
			default:
				text.add(z.Text())
			}
			raw = 0
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			raw = 0
			if tt == html.StartTagToken {
				raw = a
			}
			if !hasAttr {
				continue
			}
			want, ok := assetAttr[a]
			if !ok {
				want = "\x00" // matches no attribute name
			}
			var asset, style, alt, equiv, content, property string
			for {
				k, v, more := z.TagAttr()
				// First occurrence wins, as in a browser. The switch on
				// string(k) does not allocate; values are copied only when kept.
				switch string(k) {
				case want:
					asset = first(asset, v)
				case "style":
					style = first(style, v)
				case "alt":
					alt = first(alt, v)
				case "http-equiv":
					equiv = first(equiv, v)
				case "content":
					content = first(content, v)
				case "property":
					property = first(property, v)
				}
				if !more {
					break
				}
			}
			if asset != "" {
				assets.add(asset)
				tr.scan([]byte(asset))
			}
			if style != "" {
				for _, m := range cssURL.FindAllStringSubmatch(style, -1) {
					assets.add(m[1])
				}
			}
			switch a {
			case atom.Img:
				if alt != "" {
					text.add([]byte(alt))
				}
			case atom.Meta:
				if strings.EqualFold(equiv, "refresh") && refresh == "" {
					refresh = refreshURL(content)
				}
				if property == "og:image" && content != "" {
					assets.add(content)
				}
			}
		default:
			raw = 0
		}
	}
}

func first(have string, v []byte) string {
	if have != "" || len(v) == 0 {
		return have
	}
	return string(v)
}

// refreshURL takes the URL out of a refresh content such as
// "0; url='https://example.org/'".
func refreshURL(content string) string {
	_, after, ok := strings.Cut(content, ";")
	if !ok {
		return ""
	}
	after = strings.TrimSpace(after)
	if len(after) >= 4 && strings.EqualFold(after[:3], "url") {
		after = strings.TrimSpace(after[3:])
		after = strings.TrimSpace(strings.TrimPrefix(after, "="))
	}
	after = strings.Trim(after, `'"`)
	return netguard.Clean(after, MaxAsset)
}
