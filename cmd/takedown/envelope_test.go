package main

import (
	"encoding/json"
	"errors"
)

// unmarshalItems reads a list command's --json: the envelope, its items
// into v. A bare array or an envelope without items is an error.
func unmarshalItems[T any](b []byte, v *[]T) error {
	var env struct {
		Items  *[]T `json:"items"`
		Total  *int `json:"total"`
		Limit  *int `json:"limit"`
		Offset *int `json:"offset"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return err
	}
	if env.Items == nil || env.Total == nil || env.Limit == nil || env.Offset == nil {
		return errors.New("not a list envelope {items,total,limit,offset}")
	}
	*v = *env.Items
	return nil
}
