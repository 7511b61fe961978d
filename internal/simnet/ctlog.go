package simnet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// CTLogOptions configure StartCTLog.
type CTLogOptions struct {
	// CA issues the certificates the log is given by Issue. Default: a new CA.
	CA *CA
	// MaxBatch caps the entries one get-entries returns, as real logs do.
	// Default 256.
	MaxBatch int
	// Now is the log's clock (entry and tree head timestamps). Default time.Now.
	Now func() time.Time
}

// CTLog is an RFC 6962 Certificate Transparency log on loopback: get-sth
// (signed with the log's ECDSA key over the real Merkle tree hash),
// get-entries, get-roots. Certificates come from the simnet CA, as final
// certificates and as precertificates with the poison extension. Hooks let
// tests make it misbehave: a storm of 429s, entries that do not parse, a
// small batch cap, slow answers. Safe for concurrent use.
type CTLog struct {
	ca      *CA
	key     *ecdsa.PrivateKey
	pubDER  []byte
	leafKey crypto.Signer
	now     func() time.Time
	srv     *http.Server
	ln      net.Listener

	mu         sync.Mutex
	entries    []ct.LeafEntry
	tree       *compact.Range
	maxBatch   int
	storm      int
	retryAfter string
	delay      time.Duration
	stats      CTLogStats
}

// CTLogStats counts requests the log answered.
type CTLogStats struct {
	GetSTH     int
	GetEntries int // answered with entries
	Throttled  int // answered 429
	Served     int // entries sent
}

var treeFactory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// StartCTLog starts a log on 127.0.0.1. Close stops it.
func StartCTLog(o CTLogOptions) (*CTLog, error) {
	if o.CA == nil {
		ca, err := NewCA(CAOptions{Name: "Simnet CT Root"})
		if err != nil {
			return nil, err
		}
		o.CA = ca
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("simnet ct: key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("simnet ct: key: %w", err)
	}
	leafKey, err := KeyECDSAP256.generate()
	if err != nil {
		return nil, fmt.Errorf("simnet ct: leaf key: %w", err)
	}
	l := &CTLog{ca: o.CA, key: key, pubDER: pub, leafKey: leafKey, now: o.Now, maxBatch: o.MaxBatch,
		tree: treeFactory.NewEmptyRange(0)}
	l.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simnet ct: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ct/v1/get-sth", l.getSTH)
	mux.HandleFunc("GET /ct/v1/get-entries", l.getEntries)
	mux.HandleFunc("GET /ct/v1/get-roots", l.getRoots)
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go l.srv.Serve(l.ln)
	return l, nil
}

// URL is the log's base URL (a feed's URL).
func (l *CTLog) URL() string { return "http://" + l.ln.Addr().String() + "/" }

// PublicKeyDER is the log's public key (PKIX DER), which signs tree heads.
func (l *CTLog) PublicKeyDER() []byte { return l.pubDER }

// CA is the CA whose certificates the log holds.
func (l *CTLog) CA() *CA { return l.ca }

// Close stops the server.
func (l *CTLog) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return l.srv.Shutdown(ctx)
}

// Size is the number of entries.
func (l *CTLog) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.entries))
}

// Stats returns the request counters.
func (l *CTLog) Stats() CTLogStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// SetMaxBatch changes the get-entries cap.
func (l *CTLog) SetMaxBatch(n int) {
	l.mu.Lock()
	l.maxBatch = max(1, n)
	l.mu.Unlock()
}

// SetDelay makes every get-entries answer wait d first.
func (l *CTLog) SetDelay(d time.Duration) {
	l.mu.Lock()
	l.delay = d
	l.mu.Unlock()
}

// Storm makes the next n get-entries requests answer 429 Too Many
// Requests, with retryAfter as the Retry-After header ("" for none).
func (l *CTLog) Storm(n int, retryAfter string) {
	l.mu.Lock()
	l.storm, l.retryAfter = n, retryAfter
	l.mu.Unlock()
}

// Issue logs a final certificate for names, issued by the CA, and returns
// its index.
func (l *CTLog) Issue(names ...string) (int64, error) {
	tmpl, err := l.ca.leafTemplate(LeafOptions{Names: names})
	if err != nil {
		return 0, err
	}
	der, err := l.ca.Sign(tmpl, l.leafKey.Public())
	if err != nil {
		return 0, err
	}
	return l.AddCertificate(der)
}

// IssueWithPrecert logs a precertificate for names and then its final
// certificate (same issuer and serial), as CAs do, and returns both indexes.
func (l *CTLog) IssueWithPrecert(names ...string) (pre, final int64, err error) {
	tmpl, err := l.ca.leafTemplate(LeafOptions{Names: names})
	if err != nil {
		return 0, 0, err
	}
	final0 := *tmpl
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{
		Id: asn1.ObjectIdentifier(ctx509.OIDExtensionCTPoison), Critical: true, Value: asn1.NullBytes})
	preDER, err := l.ca.Sign(tmpl, l.leafKey.Public())
	if err != nil {
		return 0, 0, err
	}
	if pre, err = l.AddPrecertificate(preDER); err != nil {
		return 0, 0, err
	}
	der, err := l.ca.Sign(&final0, l.leafKey.Public())
	if err != nil {
		return 0, 0, err
	}
	final, err = l.AddCertificate(der)
	return pre, final, err
}

// AddCertificate logs a DER certificate as an x509_entry.
func (l *CTLog) AddCertificate(der []byte) (int64, error) {
	leaf := ct.CreateX509MerkleTreeLeaf(ct.ASN1Cert{Data: der}, l.timestamp())
	extra, err := cttls.Marshal(ct.CertificateChain{Entries: l.chain()})
	if err != nil {
		return 0, fmt.Errorf("simnet ct: chain: %w", err)
	}
	return l.add(leaf, extra)
}

// AddPrecertificate logs a DER precertificate (with the poison extension,
// signed by the CA's issuer) as a precert_entry.
func (l *CTLog) AddPrecertificate(der []byte) (int64, error) {
	c, err := ctx509.ParseCertificate(der)
	if ctx509.IsFatal(err) {
		return 0, fmt.Errorf("simnet ct: precertificate: %w", err)
	}
	tbs, err := ctx509.RemoveCTPoison(c.RawTBSCertificate)
	if err != nil {
		return 0, fmt.Errorf("simnet ct: precertificate: %w", err)
	}
	leaf := &ct.MerkleTreeLeaf{Version: ct.V1, LeafType: ct.TimestampedEntryLeafType, TimestampedEntry: &ct.TimestampedEntry{
		Timestamp: l.timestamp(),
		EntryType: ct.PrecertLogEntryType,
		PrecertEntry: &ct.PreCert{
			IssuerKeyHash:  sha256.Sum256(l.ca.Issuer().RawSubjectPublicKeyInfo),
			TBSCertificate: tbs,
		},
	}}
	extra, err := cttls.Marshal(ct.PrecertChainEntry{PreCertificate: ct.ASN1Cert{Data: der}, CertificateChain: l.chain()})
	if err != nil {
		return 0, fmt.Errorf("simnet ct: chain: %w", err)
	}
	return l.add(leaf, extra)
}

// AddUnparsable logs an x509_entry whose certificate is garbage: a client
// must skip it and go on.
func (l *CTLog) AddUnparsable() (int64, error) {
	leaf := ct.CreateX509MerkleTreeLeaf(ct.ASN1Cert{Data: []byte("\x30\x03not a certificate")}, l.timestamp())
	extra, _ := cttls.Marshal(ct.CertificateChain{})
	return l.add(leaf, extra)
}

func (l *CTLog) chain() []ct.ASN1Cert {
	out := []ct.ASN1Cert{{Data: l.ca.Issuer().Raw}}
	if l.ca.Issuer() != l.ca.Root() {
		out = append(out, ct.ASN1Cert{Data: l.ca.Root().Raw})
	}
	return out
}

func (l *CTLog) timestamp() uint64 { return uint64(l.now().UnixMilli()) }

func (l *CTLog) add(leaf *ct.MerkleTreeLeaf, extra []byte) (int64, error) {
	input, err := cttls.Marshal(*leaf)
	if err != nil {
		return 0, fmt.Errorf("simnet ct: leaf: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.tree.Append(rfc6962.DefaultHasher.HashLeaf(input), nil); err != nil {
		return 0, fmt.Errorf("simnet ct: tree: %w", err)
	}
	l.entries = append(l.entries, ct.LeafEntry{LeafInput: input, ExtraData: extra})
	return int64(len(l.entries) - 1), nil
}

// STH returns a signed tree head of the current tree.
func (l *CTLog) STH() (*ct.GetSTHResponse, error) {
	l.mu.Lock()
	size := uint64(len(l.entries))
	root, err := l.tree.GetRootHash(nil)
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if size == 0 {
		root = rfc6962.DefaultHasher.EmptyRoot()
	}
	sth := ct.SignedTreeHead{Version: ct.V1, TreeSize: size, Timestamp: l.timestamp()}
	copy(sth.SHA256RootHash[:], root)
	input, err := ct.SerializeSTHSignatureInput(sth)
	if err != nil {
		return nil, err
	}
	sig, err := cttls.CreateSignature(*l.key, cttls.SHA256, input)
	if err != nil {
		return nil, err
	}
	sigBytes, err := cttls.Marshal(sig)
	if err != nil {
		return nil, err
	}
	return &ct.GetSTHResponse{TreeSize: size, Timestamp: sth.Timestamp, SHA256RootHash: root, TreeHeadSignature: sigBytes}, nil
}

func (l *CTLog) getSTH(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.stats.GetSTH++
	l.mu.Unlock()
	sth, err := l.STH()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, sth)
}

func (l *CTLog) getEntries(w http.ResponseWriter, r *http.Request) {
	start, err1 := strconv.ParseInt(r.URL.Query().Get("start"), 10, 64)
	end, err2 := strconv.ParseInt(r.URL.Query().Get("end"), 10, 64)
	if err := errors.Join(err1, err2); err != nil || start < 0 || end < start {
		http.Error(w, "bad start or end", http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	if l.storm > 0 {
		l.storm--
		l.stats.Throttled++
		ra := l.retryAfter
		l.mu.Unlock()
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	delay := l.delay
	size := int64(len(l.entries))
	if start >= size {
		l.mu.Unlock()
		http.Error(w, "start beyond the tree", http.StatusBadRequest)
		return
	}
	end = min(end, size-1, start+int64(l.maxBatch)-1)
	resp := ct.GetEntriesResponse{Entries: append([]ct.LeafEntry(nil), l.entries[start:end+1]...)}
	l.stats.GetEntries++
	l.stats.Served += len(resp.Entries)
	l.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	writeJSON(w, resp)
}

func (l *CTLog) getRoots(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, ct.GetRootsResponse{Certificates: []string{base64.StdEncoding.EncodeToString(l.ca.Root().Raw)}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// LogListJSON is a v3 log list (the format of Chrome's log_list.json)
// naming this log as usable, for tests of log-list import.
func (l *CTLog) LogListJSON(operator, description string) []byte {
	id := sha256.Sum256(l.pubDER)
	v := map[string]any{
		"version":            "simnet",
		"log_list_timestamp": l.now().UTC().Format(time.RFC3339),
		"operators": []any{map[string]any{
			"name":  operator,
			"email": []string{"ct@simnet.test"},
			"logs": []any{map[string]any{
				"description": description,
				"log_id":      base64.StdEncoding.EncodeToString(id[:]),
				"key":         base64.StdEncoding.EncodeToString(l.pubDER),
				"url":         l.URL(),
				"mmd":         86400,
				"state":       map[string]any{"usable": map[string]any{"timestamp": l.now().UTC().Format(time.RFC3339)}},
			}},
		}},
	}
	b, _ := json.Marshal(v)
	return b
}
