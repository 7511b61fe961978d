package web

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// badText reports a value no query may carry: a NUL byte (PostgreSQL's
// text refuses it and answers 500) or bytes that are not UTF-8.
func badText(v string) bool { return strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) }

// checkInput is the one check of every value that can reach SQL: the
// route's path parameters and every query parameter, before the handler
// runs (form posts are checked in postForm, once parsed). A bad value is
// answered 400 naming the parameter, on either driver.
func (s *Server) checkInput(pattern string, h http.HandlerFunc) http.HandlerFunc {
	names := wildcards(pattern)
	return func(w http.ResponseWriter, r *http.Request) {
		for _, n := range names {
			if badText(r.PathValue(n)) {
				s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("parameter %q: NUL byte or invalid UTF-8", n))
				return
			}
		}
		if name, ok := badValues(r.URL.Query()); !ok {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("parameter %q: NUL byte or invalid UTF-8", name))
			return
		}
		h(w, r)
	}
}

// badValues finds the first parameter (in name order) whose name or any
// value is bad.
func badValues(vs map[string][]string) (string, bool) {
	keys := make([]string, 0, len(vs))
	for k := range vs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if badText(k) {
			return strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", `\0`), "?"), false
		}
		for _, v := range vs[k] {
			if badText(v) {
				return k, false
			}
		}
	}
	return "", true
}

// wildcards lists the {names} of a mux pattern.
func wildcards(pattern string) []string {
	var out []string
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return out
		}
		name := strings.TrimSuffix(rest[i+1:i+j], "...")
		if name != "$" && name != "" {
			out = append(out, name)
		}
		rest = rest[i+j+1:]
	}
}
