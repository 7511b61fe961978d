package main

import (
	"github.com/spf13/cobra"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Show the configuration"}
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration (defaults, file, environment, flags), secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.cfg.YAML()
			if err != nil {
				return err
			}
			_, err = a.out.Write(b)
			return err
		},
	})
	return asGroup(cmd)
}
