// Package sqlite is the Store on a SQLite file (modernc.org/sqlite, no cgo):
// the default database of one machine, ./takedown.db. Writes go through one
// connection, reads through a small pool beside it in WAL mode; Open
// creates the file and brings its schema up to date with the goose
// migrations under migrations/. store/postgres behaves the same way, and
// store/storetest checks both.
package sqlite
