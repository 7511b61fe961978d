package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/takedownhq/takedown/monitor/cases/report"
)

func ExampleEncode() {
	seen := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	ev := report.Evidence{
		Case:      report.Case{Domain: "acmebank-login.example", Reason: report.ReasonPhishing, Opened: seen},
		Reporter:  report.Party{Name: "Ana", Email: "cert@acmebank.example", Org: "Acme Bank CERT"},
		Content:   report.Content{URLs: []string{"https://acmebank-login.example/login"}, Title: "Sign in <b>now</b>", LoginForm: true},
		Risk:      report.Risk{Level: "high", Score: 80, Reasons: []string{"login form on a look-alike"}},
		Generated: seen.Add(time.Hour),
	}
	if err := report.Encode(os.Stdout, "md", ev); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # Phishing: acmebank\-login\[\.\]example
	//
	// | | |
	// |---|---|
	// | Reason | phishing |
	// | Opened | 2026-11-30 09:15 UTC |
	// | First seen | 2026-11-30 09:15 UTC |
	// | Last seen | 2026-11-30 09:15 UTC |
	// | Risk | high, score 80 |
	// | Report generated | 2026-11-30 10:15 UTC |
	//
	// ## Why
	//
	// - login form on a look\-alike
	//
	// ## What it serves
	//
	// - URL: hxxps\:\/\/acmebank\-login\[\.\]example\/login
	// - Page title: Sign in &lt;b&gt;now&lt;\/b&gt;
	// - Login form: yes
	//
	// Reported by Acme Bank CERT cert\@acmebank\.example
}
