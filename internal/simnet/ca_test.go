package simnet

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

func TestCAIssueVerifies(t *testing.T) {
	for _, inter := range []bool{false, true} {
		ca, err := NewCA(CAOptions{Intermediate: inter})
		if err != nil {
			t.Fatal(err)
		}
		for _, kt := range []KeyType{KeyECDSAP256, KeyEd25519, KeyRSA2048} {
			c, err := ca.Issue(LeafOptions{Names: []string{"a.example", "192.0.2.5"}, Key: kt})
			if err != nil {
				t.Fatalf("issue key %d: %v", kt, err)
			}
			want := 1
			if inter {
				want = 2
			}
			if len(c.Certificate) != want {
				t.Fatalf("intermediate=%v: chain length %d, want %d", inter, len(c.Certificate), want)
			}
			pool := x509.NewCertPool()
			for _, der := range c.Certificate[1:] {
				ic, _ := x509.ParseCertificate(der)
				pool.AddCert(ic)
			}
			for _, name := range []string{"a.example", "192.0.2.5"} {
				if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: ca.RootPool(), Intermediates: pool}); err != nil {
					t.Errorf("intermediate=%v key=%d name %s: %v", inter, kt, name, err)
				}
			}
			if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: "b.example", Roots: ca.RootPool(), Intermediates: pool}); err == nil {
				t.Error("verified for a name it does not carry")
			}
		}
		blk, _ := pem.Decode(ca.RootPEM())
		if blk == nil || string(blk.Bytes) != string(ca.Root().Raw) {
			t.Fatal("RootPEM does not hold the root")
		}
	}
}

func TestCASerialsDiffer(t *testing.T) {
	ca, err := NewCA(CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		c, err := ca.Issue(LeafOptions{Names: []string{"a.example"}})
		if err != nil {
			t.Fatal(err)
		}
		s := c.Leaf.SerialNumber.String()
		if seen[s] || c.Leaf.SerialNumber.Sign() <= 0 {
			t.Fatalf("serial %s repeated or not positive", s)
		}
		seen[s] = true
	}
}

func TestSelfSignedAndValidity(t *testing.T) {
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	c, err := SelfSigned(LeafOptions{Names: []string{"s.example"}, NotAfter: now.Add(24 * time.Hour)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Leaf.RawIssuer) != string(c.Leaf.RawSubject) {
		t.Fatal("issuer differs from subject")
	}
	if !c.Leaf.NotBefore.Equal(now.Add(-time.Hour)) || !c.Leaf.NotAfter.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("validity %v..%v", c.Leaf.NotBefore, c.Leaf.NotAfter)
	}
	if _, err := NewCA(CAOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := (&CA{now: time.Now}).leafTemplate(LeafOptions{}); err == nil {
		t.Fatal("a certificate without a name was accepted")
	}
}
