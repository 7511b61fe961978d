package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/monitor/watchlist"
	"github.com/takedownhq/takedown/store"
)

// newWatchTag edits a watched domain's tags after the fact: +t adds, -t
// removes, a bare t adds.
func newWatchTag(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "tag DOMAIN +TAG|-TAG...",
		Short: "Add (+tag or tag) and remove (-tag) tags of a watched domain",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := domain.Normalize(args[0])
			if err != nil {
				return usageError{err}
			}
			var add, drop []string
			for _, t := range args[1:] {
				switch {
				case strings.HasPrefix(t, "-"):
					drop = append(drop, t[1:])
				default:
					add = append(add, strings.TrimPrefix(t, "+"))
				}
			}
			if add, err = watchlist.CleanTags(add); err != nil {
				return usageError{err}
			}
			if drop, err = watchlist.CleanTags(drop); err != nil {
				return usageError{err}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			d, err := st.Domain(cmd.Context(), n.ASCII)
			if errors.Is(err, store.ErrNotFound) {
				return usagef("%s is not watched (see takedown watch list)", n.ASCII)
			}
			if err != nil {
				return err
			}
			tags := slices.DeleteFunc(slices.Clone(d.Tags), func(t string) bool { return slices.Contains(drop, t) })
			for _, t := range add {
				if !slices.Contains(tags, t) {
					tags = append(tags, t)
				}
			}
			slices.Sort(tags)
			if err := st.SetTags(cmd.Context(), n.ASCII, tags); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%s: tags %s\n", showName(n.ASCII, n.Unicode), strings.Join(tags, ","))
			return nil
		},
	}
}

// newWatchNote replaces a watched domain's note.
func newWatchNote(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "note DOMAIN TEXT",
		Short: "Replace the note of a watched domain",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := domain.Normalize(args[0])
			if err != nil {
				return usageError{err}
			}
			note, err := watchlist.CleanNote(args[1])
			if err != nil {
				return usageError{fmt.Errorf("note: %w", err)}
			}
			if strings.TrimSpace(note) == "" {
				return usagef("note: empty (give the text of the note)")
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			d, err := st.Domain(cmd.Context(), n.ASCII)
			if errors.Is(err, store.ErrNotFound) || (err == nil && !d.Enabled) {
				return usagef("%s is not watched (see takedown watch list)", n.ASCII)
			}
			if err != nil {
				return err
			}
			// Adding a watched name again replaces its note and keeps the rest.
			if _, err := st.AddDomains(cmd.Context(), []store.NewDomain{{Name: d.Name, Unicode: d.Unicode, Kind: d.Kind, Note: note, Source: "cli"}}); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%s: note set\n", showName(d.Name, d.Unicode))
			return nil
		},
	}
}
