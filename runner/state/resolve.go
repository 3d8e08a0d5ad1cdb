package state

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// LastExecution is the word that stands for the newest execution wherever an id is taken.
const LastExecution = "last"

// maxCandidates is how many of the ids an ambiguous prefix starts are named in its error.
const maxCandidates = 5

// NotFoundError says no execution answers to what the user typed.
type NotFoundError struct{ Ref string }

func (e *NotFoundError) Error() string {
	if e.Ref == LastExecution {
		return "no execution recorded yet"
	}
	return fmt.Sprintf("no execution %q", e.Ref)
}

// AmbiguousError says a prefix starts more than one execution id.
type AmbiguousError struct {
	Ref string
	// IDs are the first ids the prefix starts, in id order.
	IDs []string
	// More is true when there are more than IDs holds.
	More bool
}

func (e *AmbiguousError) Error() string {
	more := ""
	if e.More {
		more = ", ..."
	}
	return fmt.Sprintf("%q starts several execution ids (%s%s): type more of it", e.Ref, strings.Join(e.IDs, ", "), more)
}

// ResolveID turns what a user typed for an execution into its id, as git does for commits:
// "last" is the newest execution (by start date), a whole id is itself, and a prefix of
// exactly one id is that id. No match is a *NotFoundError, a prefix of several a
// *AmbiguousError.
func (s *Store) ResolveID(ref string) (string, error) {
	var (
		id    string
		found []string // the ids ref starts, when it is not a whole id
		more  bool
	)
	err := s.read(func(tx *bolt.Tx) error {
		if ref == LastExecution {
			if idx := tx.Bucket(bucketIndex); idx != nil {
				k, _ := idx.Cursor().Last()
				if len(k) > 8 {
					id = string(k[8:])
				}
			}
			return nil
		}
		execs := tx.Bucket(bucketExecs)
		if execs == nil || ref == "" {
			return nil
		}
		if execs.Get([]byte(ref)) != nil {
			id = ref
			return nil
		}
		prefix := []byte(ref)
		c := execs.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(found) == maxCandidates {
				more = true
				break
			}
			found = append(found, string(k))
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(found) == 1 {
		id = found[0]
	} else if len(found) > 1 {
		return "", &AmbiguousError{Ref: ref, IDs: found, More: more}
	}
	if id == "" {
		return "", &NotFoundError{Ref: ref}
	}
	return id, nil
}
