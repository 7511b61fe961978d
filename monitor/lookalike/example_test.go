package lookalike_test

import (
	"fmt"

	"github.com/takedownhq/takedown/monitor/lookalike"
)

func ExampleGenerate() {
	cands, err := lookalike.Generate("paypal.com", lookalike.Options{Fuzzers: []string{lookalike.Transposition}})
	if err != nil {
		panic(err)
	}
	for _, c := range cands {
		fmt.Println(c.Fuzzer, c.Name)
	}
	// Output:
	// transposition apypal.com
	// transposition pyapal.com
	// transposition papyal.com
	// transposition payapl.com
	// transposition paypla.com
}

func ExampleIndex_Match() {
	ix, err := lookalike.NewIndex([]string{"paypal.com", "thefoxcloud.com"}, lookalike.IndexOptions{})
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"paypa1.com", "xn--pypal-4ve.com", "paypal-secure-login.net", "thefoxcloud.net", "cloudfoxhub.com"} {
		m, ok := ix.Match(name)
		fmt.Println(name, ok, m.Brand, m.Kind, m.Fuzzer)
	}
	// Output:
	// paypa1.com true paypal.com skeleton homoglyph
	// xn--pypal-4ve.com true paypal.com skeleton confusable
	// paypal-secure-login.net true paypal.com keywords combosquatting
	// thefoxcloud.net true thefoxcloud.com permutation tld-swap
	// cloudfoxhub.com false
}
