package simnet_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/takedownhq/takedown/internal/simnet"
)

// A host is given a certificate kind and a page; a client that trusts the
// simnet root fetches it over HTTPS. (The probes reach the same servers by
// name through a resolver that points the host at 127.0.0.1.)
func ExampleWeb() {
	w, err := simnet.NewWeb(simnet.WebOptions{})
	if err != nil {
		panic(err)
	}
	if err := w.Start(context.Background()); err != nil {
		panic(err)
	}
	defer w.Close()

	w.SetCert("thefoxcloud.example", simnet.CertValid)
	w.SetPage("thefoxcloud.example", simnet.SeizedFBI2023Page())

	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: w.RootPool()},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, w.HTTPSAddr())
		},
	}}
	resp, err := client.Get("https://thefoxcloud.example/")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), "<title>This domain has been seized</title>"))
	// Output: 200 true
}
