package whoisprobe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/openrdap/rdap"
)

var whoisSeeds = []string{
	"   Domain Name: EXAMPLE.COM\r\n   Registry Domain ID: 2336799_DOMAIN_COM-VRSN\r\n   Registrar WHOIS Server: whois.iana.org\r\n" +
		"   Updated Date: 2024-08-14T07:01:34Z\r\n   Creation Date: 1995-08-14T04:00:00Z\r\n   Registry Expiry Date: 2025-08-13T04:00:00Z\r\n" +
		"   Registrar: RESERVED-Internet Assigned Numbers Authority\r\n   Registrar IANA ID: 376\r\n" +
		"   Domain Status: clientDeleteProhibited https://icann.org/epp#clientDeleteProhibited\r\n" +
		"   Domain Status: serverHold https://icann.org/epp#serverHold\r\n   Name Server: A.IANA-SERVERS.NET\r\n   DNSSEC: signedDelegation\r\n",
	"Domain Name: example.com\nRegistrant Organization: Caf\xe9 \u202eevil\nRegistrant Country: us\nName Server: ns1.b\u00fccher.example\nDomain Status: client transfer prohibited\n",
	"Domain: example.com\nNserver: ns1.example.com\nStatus: connect\nChanged: 2023-01-01T10:00:00+01:00\n",
	"No match for \"EXAMPLE.COM\".\r\n>>> Last update of whois database: 2024-01-01T00:00:00Z <<<\r\n",
	"% Query rate limit exceeded. Try again later.\r\n",
	"Domain Name: example.com\nCreation Date: 0000-00-00\nRegistry Expiry Date: 99999-12-31T00:00:00Z\nUpdated Date: -0001-01-01T00:00:00Z\n",
	"\x00\x01\x02binary",
	"HTTP/1.1 404 Not Found\r\n\r\n<html>not found</html>",
}

// FuzzParseWHOIS: whatever a server sends, the mapping never panics and
// either fails with ErrProbeFailed or returns a valid record.
func FuzzParseWHOIS(f *testing.F) {
	for _, s := range whoisSeeds {
		f.Add(s)
	}
	// A few real replies from the parser's testdata, read where they lie.
	if dir, err := parserDir(); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "noterror", "[a-c]*_*.[a-z]*"))
		for i, name := range files {
			if i%7 != 0 || filepath.Ext(name) == ".json" || filepath.Ext(name) == ".pre" {
				continue
			}
			if b, err := os.ReadFile(name); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		rec, err := mapWHOIS("example.com", text)
		if err != nil {
			if !errors.Is(err, ErrProbeFailed) {
				t.Fatalf("error without ErrProbeFailed: %v", err)
			}
			return
		}
		checkValid(t, rec)
	})
}

var rdapSeeds = []string{
	`{"objectClassName":"domain","handle":"2336799_DOMAIN_COM-VRSN","ldhName":"EXAMPLE.COM","status":["client delete prohibited","server hold","active"],
	  "events":[{"eventAction":"registration","eventDate":"1995-08-14T04:00:00Z"},{"eventAction":"expiration","eventDate":"2025-08-13T04:00:00Z"},{"eventAction":"last changed","eventDate":"2024-08-14T07:01:34.123Z"}],
	  "entities":[{"objectClassName":"entity","roles":["registrar"],"publicIds":[{"type":"IANA Registrar ID","identifier":"376"}],
	    "vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","RESERVED-Internet Assigned Numbers Authority"]]]},
	    {"roles":["registrant"],"vcardArray":["vcard",[["org",{},"text","Exa\u202emple"],["adr",{"cc":"us"},"text",["","","","","CA","",""]]]]}],
	  "nameservers":[{"objectClassName":"nameserver","ldhName":"A.IANA-SERVERS.NET"},{"ldhName":"b.iana-servers.net."}]}`,
	`{"objectClassName":"domain","ldhName":"example.com","entities":[{"roles":["registrant"],"vcardArray":["vcard",[["adr",{},"text",[1,{"a":2},null,true,"x","y","Z"]]]]}]}`,
	`{"objectClassName":"domain","ldhName":"example.com","events":[{"eventAction":"registration","eventDate":"-0001-01-01T00:00:00Z"}]}`,
	`{"errorCode":404,"title":"Not Found"}`,
	`{"objectClassName":"entity"}`,
	`[]`,
}

// FuzzRDAPMapping: whatever JSON an RDAP server sends, decoding and mapping
// never panic and give ErrProbeFailed or a valid record.
func FuzzRDAPMapping(f *testing.F) {
	for _, s := range rdapSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, err := decodeRDAP(body)
		if err != nil {
			return // the probe reports a decode failure as ErrProbeFailed
		}
		dom, ok := obj.(*rdap.Domain)
		if !ok {
			return
		}
		rec, err := mapRDAP("example.com", dom)
		if err != nil {
			if !errors.Is(err, ErrProbeFailed) {
				t.Fatalf("error without ErrProbeFailed: %v", err)
			}
			return
		}
		checkValid(t, rec)
	})
}

// decodeRDAP is what rdap.Client.Do does with a 200 body; the probe guards
// it with recover (RDAP.do), so a decoder panic is an error here too, while
// our own mapping runs unguarded above.
func decodeRDAP(body []byte) (obj any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder panic: %v", p)
		}
	}()
	return rdap.NewDecoder(body).Decode()
}
