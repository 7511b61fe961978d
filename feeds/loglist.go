package feeds

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/certificate-transparency-go/loglist3"
)

// LogInfo is a CT log taken from a log list.
type LogInfo struct {
	Slug        string // for a feed name: lower case, hyphens
	Description string
	Operator    string
	State       string
	// URL is the feed URL: the log's base URL with its public key in the
	// fragment ("#key=..."), so the runner checks the tree head's signature.
	URL string
}

// maxLogList bounds a log list file.
const maxLogList = 8 << 20

// ParseLogList reads the standard log list (v3 log_list.json, as Chrome
// and Apple publish it) and returns the logs worth following: usable,
// qualified and read-only ones. Pending, retired and rejected logs are
// left out.
func ParseLogList(data []byte) ([]LogInfo, error) {
	if len(data) > maxLogList {
		return nil, fmt.Errorf("log list: %w (%d bytes)", ErrTooLarge, maxLogList)
	}
	ll, err := loglist3.NewFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("log list: %w", err)
	}
	var out []LogInfo
	seen := map[string]bool{}
	for _, op := range ll.Operators {
		for _, l := range op.Logs {
			switch l.State.LogStatus() {
			case loglist3.UsableLogStatus, loglist3.QualifiedLogStatus, loglist3.ReadOnlyLogStatus:
			default:
				continue
			}
			if ValidateLocation(l.URL) != nil || !IsURL(l.URL) {
				continue
			}
			slug := Slug(l.Description)
			if slug == "" || seen[slug] {
				slug = Slug(fmt.Sprintf("%s-%x", slug, l.LogID[:min(4, len(l.LogID))]))
			}
			seen[slug] = true
			out = append(out, LogInfo{Slug: slug, Description: l.Description, Operator: op.Name,
				State: l.State.LogStatus().String(), URL: LogFeedURL(l.URL, l.Key)})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("log list: no usable, qualified or read-only log")
	}
	return out, nil
}

// LooksLikeLogList reports whether data is a log list rather than, say, an
// error page: it has the v3 list's top-level "operators".
func LooksLikeLogList(data []byte) bool {
	head := data[:min(len(data), 4096)]
	return strings.Contains(string(head), `"operators"`)
}

// LogFeedURL puts a log's public key (DER) into the fragment of its base
// URL: the fragment never goes to the server.
func LogFeedURL(base string, key []byte) string {
	base = strings.TrimRight(strings.SplitN(base, "#", 2)[0], "/") + "/"
	if len(key) == 0 {
		return base
	}
	return base + "#key=" + base64.RawURLEncoding.EncodeToString(key)
}

// ParseLogURL splits a CT feed URL into the log's base URL and its public
// key (nil when the URL has none: the tree head is then not verified).
func ParseLogURL(s string) (base string, key []byte, err error) {
	if err := ValidateLocation(s); err != nil || !IsURL(s) {
		return "", nil, fmt.Errorf("log URL %q: want an http(s) URL", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", nil, fmt.Errorf("log URL %q: %w", s, err)
	}
	frag := u.Fragment
	u.Fragment, u.RawFragment = "", ""
	base = strings.TrimRight(u.String(), "/")
	if frag == "" {
		return base, nil, nil
	}
	v, err := url.ParseQuery(frag)
	if err != nil || v.Get("key") == "" {
		return "", nil, fmt.Errorf("log URL %q: fragment: want #key=BASE64", s)
	}
	k := v.Get("key")
	key, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(k, "="))
	if err != nil {
		if key, err = base64.StdEncoding.DecodeString(k); err != nil {
			return "", nil, fmt.Errorf("log URL %q: key: %w", s, err)
		}
	}
	return base, key, nil
}

// Slug makes a feed-name part from free text: "Google 'Argon2025h1' log"
// gives "google-argon2025h1-log".
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	return b.String()
}
