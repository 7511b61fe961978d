package report

import (
	"io"
	"testing"
)

// BenchmarkEncode is one report per format for the sample case with a
// screenshot at the cap: the cost `case report` and `case send` pay.
func BenchmarkEncode(b *testing.B) {
	ev := sampleEvidence()
	ev.Screenshot = append(append([]byte{}, ev.Screenshot...), make([]byte, MaxAttachment-len(ev.Screenshot))...)
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Encode(io.Discard, format, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
