package pagesim

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// TLSH (Trend Micro Locality Sensitive Hash), the default variant that
// py-tlsh computes and dnstwist calls: 128 buckets, a 1-byte checksum,
// a 5-byte sliding window, at least 50 bytes of input. Written from the
// published algorithm (Oliver, Cheng, Chen 2013; trendmicro/tlsh 4.x)
// because no Go implementation is reachable from this project's module
// proxy. Digests print as py-tlsh 4.x prints them: "T1" and 70 hex digits.

const (
	tlshBuckets    = 128
	tlshCodeSize   = tlshBuckets / 4
	tlshWindow     = 5
	tlshMinLen     = 50
	tlshMaxLen     = 4*1024*1024*1024 - 1
	tlshDigestSize = 1 + 1 + 1 + tlshCodeSize // checksum, L, Q, body
)

// ErrTLSHInput is returned when input is too short or too uniform for a
// TLSH digest (py-tlsh answers "TNULL" then; dnstwist records no score).
var ErrTLSHInput = errors.New("pagesim: input too short or too uniform for TLSH")

// pearson is TLSH's Pearson permutation table (tlsh_impl.cpp v_table).
var pearson = [256]byte{
	1, 87, 49, 12, 176, 178, 102, 166, 121, 193, 6, 84, 249, 230, 44, 163,
	14, 197, 213, 181, 161, 85, 218, 80, 64, 239, 24, 226, 236, 142, 38, 200,
	110, 177, 104, 103, 141, 253, 255, 50, 77, 101, 81, 18, 45, 96, 31, 222,
	25, 107, 190, 70, 86, 237, 240, 34, 72, 242, 20, 214, 244, 227, 149, 235,
	97, 234, 57, 22, 60, 250, 82, 175, 208, 5, 127, 199, 111, 62, 135, 248,
	174, 169, 211, 58, 66, 154, 106, 195, 245, 171, 17, 187, 182, 179, 0, 243,
	132, 56, 148, 75, 128, 133, 158, 100, 130, 126, 91, 13, 153, 246, 216, 219,
	119, 68, 223, 78, 83, 88, 201, 99, 122, 11, 92, 32, 136, 114, 52, 10,
	138, 30, 48, 183, 156, 35, 61, 26, 143, 74, 251, 94, 129, 162, 63, 152,
	170, 7, 115, 167, 241, 206, 3, 150, 55, 59, 151, 220, 90, 53, 23, 131,
	125, 173, 15, 238, 79, 95, 89, 16, 105, 137, 225, 224, 217, 160, 37, 123,
	118, 73, 2, 157, 46, 116, 9, 145, 134, 228, 207, 212, 202, 215, 69, 229,
	27, 188, 67, 124, 168, 252, 42, 4, 29, 108, 21, 247, 19, 205, 39, 203,
	233, 40, 186, 147, 198, 192, 155, 33, 164, 191, 98, 204, 165, 180, 117, 76,
	140, 36, 210, 172, 41, 54, 159, 8, 185, 232, 113, 196, 231, 47, 146, 120,
	51, 65, 28, 144, 254, 221, 93, 189, 194, 139, 112, 43, 71, 109, 184, 209,
}

// bmap is TLSH's b_mapping: a Pearson hash of salt and three bytes.
func bmap(salt, i, j, k byte) byte {
	return pearson[pearson[pearson[pearson[salt]^i]^j]^k]
}

// TLSHDigest is a computed TLSH digest.
type TLSHDigest struct {
	checksum byte
	lvalue   byte
	q1, q2   byte // quartile ratios, 4 bits each
	code     [tlshCodeSize]byte
}

// TLSH computes the digest of data.
func TLSH(data []byte) (TLSHDigest, error) {
	var d TLSHDigest
	if len(data) < tlshMinLen || int64(len(data)) > tlshMaxLen {
		return d, ErrTLSHInput
	}
	var bucket [256]uint32
	var checksum byte
	for i := tlshWindow - 1; i < len(data); i++ {
		a0, a1, a2, a3, a4 := data[i], data[i-1], data[i-2], data[i-3], data[i-4]
		checksum = bmap(0, a0, a1, checksum)
		bucket[bmap(2, a0, a1, a2)]++
		bucket[bmap(3, a0, a1, a3)]++
		bucket[bmap(5, a0, a2, a3)]++
		bucket[bmap(7, a0, a2, a4)]++
		bucket[bmap(11, a0, a1, a4)]++
		bucket[bmap(13, a0, a3, a4)]++
	}
	q1, q2, q3 := quartiles(bucket[:tlshBuckets])
	nonzero := 0
	for _, b := range bucket[:tlshBuckets] {
		if b > 0 {
			nonzero++
		}
	}
	if q3 == 0 || nonzero <= tlshBuckets/2 {
		return d, ErrTLSHInput
	}
	for i := range tlshCodeSize {
		var h byte
		for j := range 4 {
			k := bucket[4*i+j]
			switch {
			case q3 < k:
				h += 3 << (j * 2)
			case q2 < k:
				h += 2 << (j * 2)
			case q1 < k:
				h += 1 << (j * 2)
			}
		}
		d.code[i] = h
	}
	d.checksum = checksum
	d.lvalue = lCapture(len(data))
	d.q1 = byte((uint64(q1) * 100 / uint64(q3)) % 16)
	d.q2 = byte((uint64(q2) * 100 / uint64(q3)) % 16)
	return d, nil
}

// quartiles returns the bucket counts at the 1st, 2nd and 3rd quartile
// positions of the sorted counts, as TLSH's find_quartile does.
func quartiles(b []uint32) (q1, q2, q3 uint32) {
	s := slices.Clone(b)
	slices.Sort(s)
	q := len(s) / 4
	return s[q-1], s[2*q-1], s[3*q-1]
}

// lCapture is TLSH's logarithmic length value.
func lCapture(n int) byte {
	l := float64(n)
	var i float64
	switch {
	case n <= 656:
		i = math.Floor(math.Log(l) / 0.4054651081081644) // log 1.5
	case n <= 3199:
		i = math.Floor(math.Log(l)/0.26236426446749106 - 8.72777)
	default:
		i = math.Floor(math.Log(l)/0.09531017980432493 - 62.5472)
	}
	return byte(int(i) & 0xff)
}

func swapNibbles(b byte) byte { return b<<4 | b>>4 }

// String renders the digest as py-tlsh 4.x does ("T1" + 70 hex digits).
func (d TLSHDigest) String() string {
	var raw [tlshDigestSize]byte
	raw[0] = swapNibbles(d.checksum)
	raw[1] = swapNibbles(d.lvalue)
	raw[2] = d.q1<<4 | d.q2
	for i := range tlshCodeSize {
		raw[3+i] = d.code[tlshCodeSize-1-i]
	}
	return "T1" + strings.ToUpper(hex.EncodeToString(raw[:]))
}

// ParseTLSH reads a digest printed by String, by py-tlsh 4.x ("T1…") or
// by py-tlsh 3.x (no prefix).
func ParseTLSH(s string) (TLSHDigest, error) {
	var d TLSHDigest
	s = strings.TrimPrefix(strings.TrimPrefix(s, "T1"), "t1")
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != tlshDigestSize {
		return d, fmt.Errorf("pagesim: parse TLSH digest %q: want %d hex bytes", s, tlshDigestSize)
	}
	d.checksum = swapNibbles(raw[0])
	d.lvalue = swapNibbles(raw[1])
	d.q1, d.q2 = raw[2]>>4, raw[2]&0x0f
	for i := range tlshCodeSize {
		d.code[tlshCodeSize-1-i] = raw[3+i]
	}
	return d, nil
}

func modDiff(x, y, r int) int {
	dl, dr := 0, 0
	if y > x {
		dl, dr = y-x, x+r-y
	} else {
		dl, dr = x-y, y+r-x
	}
	return min(dl, dr)
}

// TLSHDiff is TLSH's distance between two digests, length included
// (py-tlsh's tlsh.diff): 0 for identical, growing without a fixed bound;
// above ~300 the inputs are unrelated.
func TLSHDiff(a, b TLSHDigest) int {
	diff := 0
	switch ld := modDiff(int(a.lvalue), int(b.lvalue), 256); ld {
	case 0:
	case 1:
		diff = 1
	default:
		diff += ld * 12
	}
	for _, q := range [][2]byte{{a.q1, b.q1}, {a.q2, b.q2}} {
		qd := modDiff(int(q[0]), int(q[1]), 16)
		if qd <= 1 {
			diff += qd
		} else {
			diff += (qd - 1) * 12
		}
	}
	if a.checksum != b.checksum {
		diff++
	}
	for i := range tlshCodeSize {
		x, y := a.code[i], b.code[i]
		for j := range 4 {
			d := int(x>>(2*j)&3) - int(y>>(2*j)&3)
			if d < 0 {
				d = -d
			}
			if d == 3 {
				d = 6
			}
			diff += d
		}
	}
	return diff
}

// TLSHScore maps a TLSH distance onto 0–100 exactly as dnstwist prints
// it: int(100 - min(diff, 300)/3).
func TLSHScore(diff int) int {
	return int(100 - float64(min(diff, 300))/3)
}
