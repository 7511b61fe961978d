package simnet

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"testing"

	ct "github.com/google/certificate-transparency-go"
	"github.com/google/certificate-transparency-go/client"
	"github.com/google/certificate-transparency-go/jsonclient"
)

// mth is RFC 6962's Merkle tree hash, written out from section 2.1 so
// the log's compact-range root is checked against the definition.
func mth(leaves [][]byte) [32]byte {
	switch n := len(leaves); n {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	default:
		k := 1
		for k*2 < n {
			k *= 2
		}
		l, r := mth(leaves[:k]), mth(leaves[k:])
		return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
	}
}

func TestCTLogServesRFC6962(t *testing.T) {
	ctx := context.Background()
	l, err := StartCTLog(CTLogOptions{MaxBatch: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Issue("a.example", "www.a.example"); err != nil {
		t.Fatal(err)
	}
	pre, final, err := l.IssueWithPrecert("b.example")
	if err != nil || pre != 1 || final != 2 {
		t.Fatalf("IssueWithPrecert: %d %d %v", pre, final, err)
	}
	for range 4 {
		l.Issue("c.example")
	}
	if _, err := l.AddUnparsable(); err != nil {
		t.Fatal(err)
	}
	lc, err := client.New(l.URL(), http.DefaultClient, jsonclient.Options{PublicKeyDER: l.PublicKeyDER()})
	if err != nil {
		t.Fatal(err)
	}
	sth, err := lc.GetSTH(ctx) // verifies the signature with the key
	if err != nil {
		t.Fatal(err)
	}
	var inputs [][]byte
	for start := int64(0); start < int64(sth.TreeSize); {
		resp, err := lc.GetRawEntries(ctx, start, int64(sth.TreeSize)-1)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Entries) > 3 {
			t.Fatalf("batch of %d, cap 3", len(resp.Entries))
		}
		for _, e := range resp.Entries {
			inputs = append(inputs, e.LeafInput)
		}
		if start == 1 {
			p, err1 := ct.LogEntryFromLeaf(1, &resp.Entries[0])
			f, err2 := ct.LogEntryFromLeaf(2, &resp.Entries[1])
			if err1 != nil || err2 != nil || p.Precert == nil || f.X509Cert == nil {
				t.Fatalf("precert pair: %v %v", err1, err2)
			}
			if p.Precert.TBSCertificate.SerialNumber.Cmp(f.X509Cert.SerialNumber) != 0 ||
				p.Precert.TBSCertificate.DNSNames[0] != "b.example" {
				t.Errorf("precertificate and certificate differ")
			}
			if p.Precert.IssuerKeyHash != sha256.Sum256(l.CA().Issuer().RawSubjectPublicKeyInfo) {
				t.Errorf("issuer key hash")
			}
		}
		start += int64(len(resp.Entries))
	}
	if got := mth(inputs); sth.TreeSize != 8 || got != sth.SHA256RootHash {
		t.Errorf("tree size %d, root %x, want 8 and %x", sth.TreeSize, sth.SHA256RootHash, got)
	}

	l.Storm(2, "7")
	for i := range 2 {
		resp, err := http.Get(l.URL() + "ct/v1/get-entries?start=0&end=0")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "7" {
			t.Errorf("storm request %d: %d %q", i, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if _, err := lc.GetRawEntries(ctx, 0, 0); err != nil {
		t.Errorf("after the storm: %v", err)
	}
	if s := l.Stats(); s.Throttled != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestFeedFilesConditional(t *testing.T) {
	s, err := StartFeedFiles()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	z, err := NRDZip("domain-names.txt", []string{"a.example", "b.example"})
	if err != nil {
		t.Fatal(err)
	}
	s.Put("/nrd.zip", z)
	resp, err := http.Get(s.URL("/nrd.zip"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil || len(zr.File) != 1 {
		t.Fatalf("zip: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL("/nrd.zip"), nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d", resp2.StatusCode)
	}
	resp3, err := http.Get(s.URL("/none"))
	if err != nil {
		t.Fatal(err)
	}
	resp3.Body.Close()
	if resp3.StatusCode != http.StatusNotFound {
		t.Errorf("missing file: %d, want 404", resp3.StatusCode)
	}
	if s.Requests("/nrd.zip") != 2 {
		t.Errorf("requests %d", s.Requests("/nrd.zip"))
	}
	zone := string(ZoneText("com", 7, map[string][]string{"b.com": {"ns1.x.net"}, "a.com": {"ns1.x.net."}}))
	if want := "com.\t86400\tin\tsoa\ta.nic.com. noc.nic.com. 7 1800 900 604800 86400\ncom.\t172800\tin\tns\ta.nic.com.\n" +
		"a.com.\t172800\tin\tns\tns1.x.net.\nb.com.\t172800\tin\tns\tns1.x.net.\n"; zone != want {
		t.Errorf("zone text:\n%s", zone)
	}
}
