package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/web"
)

func newServeCmd(a *app) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web UI and the JSON API over the database",
		Long: `Serve the analysts' web UI and the JSON API (/api/v1/, described at
/api/v1/openapi.yaml), /metrics and /healthz.

The default address is 127.0.0.1:8080 (config web.listen, TAKEDOWN_LISTEN).
Any address other than loopback needs a token (config web.token or
TAKEDOWN_TOKEN): API clients send "Authorization: Bearer TOKEN", browsers
log in with it once. Ctrl-C stops the server after requests in flight.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.applyWebFlags(cmd); err != nil {
				return err
			}
			addr := a.cfg.Web.Listen
			if cmd.Flags().Changed("listen") {
				addr = listen
			}
			if err := checkListen(addr); err != nil {
				return err
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			srv, err := web.New(st, a.webOptions())
			if err != nil {
				return webError(err)
			}
			ln, err := srv.Listen(addr)
			if err != nil {
				return webError(err)
			}
			auth := "no token: loopback clients only"
			if a.cfg.Web.Token != "" {
				auth = "token required"
			}
			fmt.Fprintf(a.out, "serving %s on http://%s/ (%s)\n", config.RedactDSN(a.cfg.DB), ln.Addr(), auth)
			return srv.Serve(cmd.Context(), ln)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", config.Default().Web.Listen, "address to serve on; other than loopback needs a token")
	addWebFlags(cmd)
	return cmd
}
