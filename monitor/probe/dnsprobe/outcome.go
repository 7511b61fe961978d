package dnsprobe

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/miekg/dns"
)

// ErrProbeFailed is matched (errors.Is) by every error that means "the DNS
// did not say": SERVFAIL, REFUSED, a timeout, an unreachable server, an
// answer that is not DNS or does not match the question. Such a probe has no
// snapshot; it is never to be read as "records removed". NXDOMAIN is not a
// failure: it is a snapshot with rcode NXDOMAIN.
var ErrProbeFailed = errors.New("dns probe failed")

// Outcome classifies the answer to one query.
type Outcome int

// The outcomes. The first three are answers; the rest are failures.
const (
	NoError     Outcome = iota // records of the type asked for
	NoData                     // the name exists, without records of that type
	NXDomain                   // the name does not exist
	ServFail                   // the server failed (SERVFAIL)
	Refused                    // the server refused (REFUSED)
	Timeout                    // no answer in time
	Unreachable                // the network refused (port unreachable, connection refused)
	BadResponse                // not a DNS answer, a mismatched one, or another rcode
)

var outcomeNames = [...]string{"NOERROR", "NODATA", "NXDOMAIN", "SERVFAIL", "REFUSED", "TIMEOUT", "UNREACHABLE", "BADRESPONSE"}

func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Failed reports whether the outcome is no answer at all.
func (o Outcome) Failed() bool { return o >= ServFail }

// retryable failures may go away on a second try; REFUSED and malformed
// rcodes will not.
func (o Outcome) retryable() bool {
	return o == ServFail || o == Timeout || o == Unreachable || o == BadResponse
}

// QueryError is a failed query. It matches ErrProbeFailed.
type QueryError struct {
	Name     string  // the name asked, FQDN
	Type     uint16  // the query type
	Server   string  // the last server asked, host:port
	Outcome  Outcome // why it failed
	Attempts int     // how many times it was asked
	Err      error   // the underlying error, if any
}

func (e *QueryError) Error() string {
	s := fmt.Sprintf("%s %s at %s: %s", e.Name, dns.TypeToString[e.Type], e.Server, e.Outcome)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (retried %d times)", e.Attempts-1)
	}
	return s
}

// Unwrap gives ErrProbeFailed and the underlying error.
func (e *QueryError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrProbeFailed}
	}
	return []error{ErrProbeFailed, e.Err}
}
