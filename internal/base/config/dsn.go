package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// UnparsableDSN is what RedactDSN prints for a database URL it cannot
// parse: such a string may hold a password anywhere, so none of it shows.
const UnparsableDSN = "(database URL hidden: it does not parse)"

const mask = "********"

// secretKey reports whether a connection parameter holds a secret:
// password, sslpassword (the client key's passphrase), and anything named
// like a secret, token or passphrase.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"password", "passwd", "passphrase", "secret", "token", "apikey", "api_key"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// keywordSecret finds secret values in a libpq keyword/value string
// ("host=db password='x y'").
var keywordSecret = regexp.MustCompile(`(?i)\b([a-z_]*(?:password|passwd|passphrase|secret|token|apikey|api_key)[a-z_]*)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// RedactDSN is the one way a database name (--db, TAKEDOWN_DB, db:) is
// printed or logged: a URL loses the password of its user info and the
// value of every secret query parameter; a keyword/value string loses its
// secret values; a URL that does not parse prints as UnparsableDSN; a
// SQLite path prints as it is.
func RedactDSN(dsn string) string {
	if keywordSecret.MatchString(dsn) && !strings.Contains(dsn, "://") {
		return keywordSecret.ReplaceAllString(dsn, "${1}="+mask)
	}
	if !strings.Contains(dsn, "://") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Opaque != "" {
		return UnparsableDSN
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), mask)
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return UnparsableDSN
		}
		for k := range q {
			if secretKey(k) {
				q[k] = []string{mask}
			}
		}
		u.RawQuery = q.Encode()
	}
	if u.Fragment != "" {
		u.Fragment = ""
	}
	return strings.ReplaceAll(u.String(), "%2A", "*")
}

// IsPostgres reports whether db names a PostgreSQL database.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// FeedStateDir is where feeds keep zone snapshots and downloads:
// feeds.state_dir when set; else beside a SQLite file (DB + ".feeds");
// else, for PostgreSQL, under the user's state directory
// ($XDG_STATE_HOME/takedown/feeds, or ~/.local/state/takedown/feeds).
// Never derived from a database URL, which may hold a password.
func (c *Config) FeedStateDir(lookup func(string) (string, bool)) (string, error) {
	if c.FeedsStateDir != "" {
		return c.FeedsStateDir, nil
	}
	if !IsPostgres(c.DB) && !strings.Contains(c.DB, "://") {
		return c.DB + ".feeds", nil
	}
	if v, ok := lookup("XDG_STATE_HOME"); ok && filepath.IsAbs(v) {
		return filepath.Join(v, "takedown", "feeds"), nil
	}
	home, ok := lookup("HOME")
	if !ok || home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("feed state directory: no feeds.state_dir, no XDG_STATE_HOME and no home directory")
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "takedown", "feeds"), nil
}

// feedsMapping accepts feeds as a mapping {state_dir, list}: it takes
// state_dir out and gives the decoder the list, so the rest of the file is
// still decoded strictly. A list (the usual form) passes untouched.
func (c *Config) feedsMapping(b []byte) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return b, nil // the strict decoder reports what is wrong
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "feeds" || m.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		var f struct {
			StateDir string    `yaml:"state_dir"`
			List     yaml.Node `yaml:"list"`
		}
		fm := m.Content[i+1]
		for j := 0; j+1 < len(fm.Content); j += 2 {
			if k := fm.Content[j].Value; k != "state_dir" && k != "list" {
				return nil, fmt.Errorf("line %d: feeds.%s: unknown key (want state_dir or list)", fm.Content[j].Line, k)
			}
		}
		if err := fm.Decode(&f); err != nil {
			return nil, fmt.Errorf("feeds: %w", err)
		}
		c.FeedsStateDir = f.StateDir
		if f.List.Kind == 0 {
			f.List = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		}
		m.Content[i+1] = &f.List
		out, err := yaml.Marshal(&root)
		if err != nil {
			return nil, fmt.Errorf("feeds: %w", err)
		}
		return out, nil
	}
	return b, nil
}
